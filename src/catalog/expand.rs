//! Pattern expansion: `Action`/`NotAction` values → sets of catalog actions.
//!
//! A pattern is split at its colon; the service part picks services (one by binary search
//! when it has no wildcard), the name part is compiled once ([`Glob`]) and run over each
//! service's sorted lower-case names. Wildcard patterns are memoized: rules run in parallel
//! and see the same few patterns (`s3:Get*`, `*`) over and over.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::pattern::Glob;
use super::{ActionId, ActionSet, Catalog, Service, to_usize};

/// What a pattern named, as far as the catalog knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternStatus {
    /// Matched at least one catalog action.
    Known,
    /// A wildcard over known services that matches none of their actions (`s3:Foo*`).
    NoMatch,
    /// No wildcard, known service, no such action: a typo, or newer than the catalog.
    UnknownAction,
    /// The service prefix (or prefix pattern) matches no known service.
    UnknownService,
    /// Not `service:action` nor `*` (no colon, or several).
    Malformed,
}

impl PatternStatus {
    /// The pattern may stand for actions the catalog does not list.
    pub fn is_unknown(self) -> bool {
        !matches!(self, PatternStatus::Known | PatternStatus::NoMatch)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    /// Shared with the memo cache: a set is ~2.8 KB.
    pub actions: Arc<ActionSet>,
    pub status: PatternStatus,
}

impl Catalog<'_> {
    /// The catalog actions `pattern` matches (IAM wildcards, any case, surrounding whitespace
    /// ignored). A wildcard in the service part is matched too, though IAM rejects such
    /// policies.
    pub fn expand(&self, pattern: &str) -> Expansion {
        let lower = pattern.trim().to_ascii_lowercase();
        if lower.contains(['*', '?']) {
            self.cache.get_or_insert_with(lower, |p| self.compute(p))
        } else {
            // A literal is one binary search; caching it would only cost memory.
            self.compute(&lower)
        }
    }

    /// The union of what `patterns` match: an `Action` element.
    pub fn expand_action<I>(&self, patterns: I) -> ActionSet
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut set = self.empty_set();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            if pattern.contains(['*', '?']) {
                set.union_with(&self.expand(pattern).actions);
            } else if let Some(id) = self.action_id(pattern) {
                // What `expand` would find, without building a one-member set.
                set.insert(id);
            }
        }
        set
    }

    /// Every catalog action none of `patterns` matches: a `NotAction` element. Actions newer
    /// than the catalog are in neither set.
    pub fn expand_not_action<I>(&self, patterns: I) -> ActionSet
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.expand_action(patterns).complement()
    }

    /// `pattern` is trimmed and lower-case.
    fn compute(&self, pattern: &str) -> Expansion {
        let mut set = self.empty_set();
        let status = self.collect(pattern, &mut set);
        Expansion {
            actions: Arc::new(set),
            status,
        }
    }

    fn collect(&self, pattern: &str, set: &mut ActionSet) -> PatternStatus {
        let Some((service, name)) = pattern.split_once(':') else {
            if Glob::compile(pattern) == Glob::All {
                *set = self.all_actions();
                return found(set, PatternStatus::NoMatch);
            }
            return PatternStatus::Malformed;
        };
        if name.contains(':') {
            return PatternStatus::Malformed;
        }
        let (service_glob, name_glob) = (Glob::compile(service), Glob::compile(name));
        let mut any_service = false;
        if let Glob::Exact(prefix) = service_glob {
            if let Some(service) = self.service(prefix) {
                any_service = true;
                self.collect_in(service, name_glob, set);
            }
        } else {
            for service in self
                .services
                .iter()
                .filter(|s| service_glob.matches(s.prefix))
            {
                any_service = true;
                self.collect_in(service, name_glob, set);
            }
        }
        if !any_service {
            PatternStatus::UnknownService
        } else if service_glob.has_wildcard() || name_glob.has_wildcard() {
            found(set, PatternStatus::NoMatch)
        } else {
            found(set, PatternStatus::UnknownAction)
        }
    }

    fn collect_in(&self, service: &Service<'_>, glob: Glob<'_>, set: &mut ActionSet) {
        let start = service.actions.start;
        let actions = self
            .actions
            .get(to_usize(&service.actions))
            .unwrap_or_default();
        let mut add = |offset: usize| set.insert(ActionId(start + offset as u32));
        match glob {
            Glob::Exact(name) => {
                if let Some(id) = self.find_in(service, name) {
                    set.insert(id);
                }
            }
            // Names sharing a prefix are contiguous in sorted order.
            Glob::Prefix(prefix) => {
                let from = actions.partition_point(|a| a.lower.as_ref() < prefix);
                for (i, action) in actions.iter().enumerate().skip(from) {
                    if !action.lower.starts_with(prefix) {
                        break;
                    }
                    add(i);
                }
            }
            _ => {
                for (i, action) in actions.iter().enumerate() {
                    if glob.matches(&action.lower) {
                        add(i);
                    }
                }
            }
        }
    }
}

fn found(set: &ActionSet, otherwise: PatternStatus) -> PatternStatus {
    if set.is_empty() {
        otherwise
    } else {
        PatternStatus::Known
    }
}

pub(super) const SHARDS: usize = 16;

/// Entries per shard before it is emptied: bounds the cache at ~16 × 512 × 2.8 KB ≈ 23 MB
/// however many distinct patterns an estate holds, while a real one's working set fits.
pub(super) const SHARD_CAPACITY: usize = 512;

/// Memoized wildcard expansions, sharded so parallel rules rarely wait on one lock.
pub(super) struct Cache {
    shards: [Mutex<HashMap<Box<str>, Expansion>>; SHARDS],
    hasher: RandomState,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            shards: std::array::from_fn(|_| Mutex::default()),
            hasher: RandomState::new(),
        }
    }
}

impl Cache {
    /// The cached expansion of `key`, or `compute`'s, stored. Computing happens outside the
    /// lock; two threads racing on a new pattern both compute it, which is harmless.
    fn get_or_insert_with(
        &self,
        key: String,
        compute: impl FnOnce(&str) -> Expansion,
    ) -> Expansion {
        let shard_index = (self.hasher.hash_one(key.as_str()) % SHARDS as u64) as usize;
        let Some(shard) = self.shards.get(shard_index) else {
            return compute(&key);
        };
        if let Some(hit) = lock(shard).get(key.as_str()) {
            return hit.clone();
        }
        let expansion = compute(&key);
        let mut map = lock(shard);
        if map.len() >= SHARD_CAPACITY {
            map.clear();
        }
        map.insert(key.into_boxed_str(), expansion.clone());
        expansion
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).len()).sum()
    }
}

/// A panic while holding the lock cannot leave a half-written entry (insert is one call),
/// so a poisoned map is still good.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
