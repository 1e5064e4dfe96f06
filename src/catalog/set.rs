//! [`ActionSet`]: a set of catalog actions as a bitset over the global action index.
//!
//! ~22k actions make a 2.8 KB set: unions and differences of whole statements are a few
//! hundred word operations, with no hashing and no allocation beyond the set itself.

use std::fmt;

/// An action's position in the catalog (services by prefix, then actions by lower-case name).
/// Only meaningful for the catalog that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionId(pub(super) u32);

impl ActionId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ActionSet {
    words: Box<[u64]>,
    /// Number of actions in the catalog; bits at and past it are always zero.
    universe: u32,
}

impl ActionSet {
    pub(super) fn empty(universe: u32) -> Self {
        ActionSet {
            words: vec![0; (universe as usize).div_ceil(64)].into_boxed_slice(),
            universe,
        }
    }

    pub(super) fn full(universe: u32) -> Self {
        let mut set = Self::empty(universe);
        set.words.fill(u64::MAX);
        set.clear_tail();
        set
    }

    /// Every action of the catalog that is not in `self`.
    pub fn complement(&self) -> Self {
        let mut set = self.clone();
        for word in set.words.iter_mut() {
            *word = !*word;
        }
        set.clear_tail();
        set
    }

    /// Keeps the bits past the last action zero, so `len` and equality stay exact after a
    /// complement.
    fn clear_tail(&mut self) {
        let used = self.universe % 64;
        if used != 0
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << used) - 1;
        }
    }

    pub fn insert(&mut self, id: ActionId) {
        if id.0 >= self.universe {
            return;
        }
        if let Some(word) = self.words.get_mut(id.index() / 64) {
            *word |= 1 << (id.0 % 64);
        }
    }

    pub fn remove(&mut self, id: ActionId) {
        if let Some(word) = self.words.get_mut(id.index() / 64) {
            *word &= !(1 << (id.0 % 64));
        }
    }

    pub fn contains(&self, id: ActionId) -> bool {
        self.words
            .get(id.index() / 64)
            .is_some_and(|word| word & (1 << (id.0 % 64)) != 0)
    }

    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    pub fn union_with(&mut self, other: &ActionSet) {
        self.combine(other, |a, b| a | b);
    }

    pub fn difference_with(&mut self, other: &ActionSet) {
        self.combine(other, |a, b| a & !b);
    }

    pub fn intersect_with(&mut self, other: &ActionSet) {
        self.combine(other, |a, b| a & b);
    }

    pub fn intersects(&self, other: &ActionSet) -> bool {
        self.words
            .iter()
            .zip(other.words.iter())
            .any(|(a, b)| a & b != 0)
    }

    pub fn is_subset(&self, other: &ActionSet) -> bool {
        self.words
            .iter()
            .zip(other.words.iter().chain(std::iter::repeat(&0)))
            .all(|(a, b)| a & !b == 0)
    }

    /// Sets from one catalog have equal lengths; a shorter `other` counts as zero-padded.
    fn combine(&mut self, other: &ActionSet, op: impl Fn(u64, u64) -> u64) {
        let mut others = other.words.iter().copied().chain(std::iter::repeat(0));
        for (word, theirs) in self.words.iter_mut().zip(&mut others) {
            *word = op(*word, theirs);
        }
    }

    /// Members in index order.
    pub fn iter(&self) -> impl Iterator<Item = ActionId> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &word)| {
            let base = i as u32 * 64;
            BitIter(word).map(move |bit| ActionId(base + bit))
        })
    }
}

/// The set bits of one word, lowest first.
struct BitIter(u64);

impl Iterator for BitIter {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

impl fmt::Debug for ActionSet {
    /// A size and the first few members: a full dump would be thousands of numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first: Vec<u32> = self.iter().take(8).map(|id| id.0).collect();
        f.debug_struct("ActionSet")
            .field("len", &self.len())
            .field("first", &first)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(universe: u32, ids: &[u32]) -> ActionSet {
        let mut set = ActionSet::empty(universe);
        for &id in ids {
            set.insert(ActionId(id));
        }
        set
    }

    #[test]
    fn complement_stays_inside_the_universe() {
        let a = set(70, &[0, 65]);
        let c = a.complement();
        assert_eq!(c.len(), 68);
        assert!(!c.contains(ActionId(65)) && c.contains(ActionId(69)));
        assert!(!c.contains(ActionId(70)));
        assert_eq!(c.complement(), a);
        assert_eq!(ActionSet::full(70), ActionSet::empty(70).complement());
    }

    #[test]
    fn set_operations() {
        let a = set(130, &[1, 64, 129]);
        let b = set(130, &[64, 100]);
        let mut u = a.clone();
        u.union_with(&b);
        assert_eq!(u.iter().map(|i| i.0).collect::<Vec<_>>(), [1, 64, 100, 129]);
        let mut d = a.clone();
        d.difference_with(&b);
        assert_eq!(d, set(130, &[1, 129]));
        let mut i = a.clone();
        i.intersect_with(&b);
        assert_eq!(i, set(130, &[64]));
        assert!(a.intersects(&b) && !d.intersects(&b));
        assert!(i.is_subset(&a) && !a.is_subset(&b));
        assert!(ActionSet::empty(130).is_empty() && !a.is_empty());
        let mut r = a.clone();
        r.remove(ActionId(64));
        r.remove(ActionId(65));
        r.remove(ActionId(1000));
        assert_eq!(r, set(130, &[1, 129]));
    }

    #[test]
    fn out_of_range_ids_are_ignored() {
        let mut a = ActionSet::empty(10);
        a.insert(ActionId(12));
        a.insert(ActionId(1000));
        assert!(a.is_empty() && !a.contains(ActionId(1000)));
    }
}
