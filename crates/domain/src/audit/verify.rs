//! The full audit (R4.3): every stored record is recomputed, chained to the one before, and the
//! tree they form is compared with every signed checkpoint; the first record that does not
//! match is named.
use super::{Checkpoint, Hash, Stored, Tree};

/// What is wrong with the log, at the first place it goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The record's fields do not give its stored hash: it was edited.
    Edited { seq: i64 },
    /// The record is not there: the one after it follows the one before.
    Missing { seq: i64 },
    /// The chain breaks after this record: it was edited with its hash recomputed, or records
    /// after it were removed and the rest renumbered.
    Broken { seq: i64 },
    /// The record stands where it should not (inserted, moved, or edited with its hashes
    /// recomputed): the chain of hashes breaks at it.
    Misplaced { seq: i64 },
    /// Records up to `seq - 1` match the checkpoints; the tree of the first `size` records
    /// differs from the one signed at `time`: a record from `seq` to `size` was rewritten.
    Rewritten {
        seq: i64,
        size: u64,
        time: jiff::Timestamp,
    },
    /// The log holds fewer records than a checkpoint signed: cut short, or restored from an
    /// older copy. The first record missing is `seq`.
    Truncated {
        seq: i64,
        size: u64,
        time: jiff::Timestamp,
    },
}

impl Finding {
    /// The first record that does not match.
    pub fn seq(&self) -> i64 {
        match *self {
            Finding::Edited { seq }
            | Finding::Missing { seq }
            | Finding::Misplaced { seq }
            | Finding::Broken { seq }
            | Finding::Rewritten { seq, .. }
            | Finding::Truncated { seq, .. } => seq,
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Edited { seq } => write!(
                f,
                "record {seq} was edited: its fields do not give its hash"
            ),
            Finding::Missing { seq } => write!(f, "record {seq} is missing: it was deleted"),
            Finding::Broken { seq } => write!(
                f,
                "the chain of hashes breaks after record {seq}: it was edited with its hash recomputed, or records after it were removed"
            ),
            Finding::Misplaced { seq } => write!(
                f,
                "record {seq} does not follow the record before it: inserted, moved, or edited with its hashes recomputed"
            ),
            Finding::Rewritten { seq, size, time } => write!(
                f,
                "records {seq} to {size} differ from the checkpoint signed at {time}: rewritten"
            ),
            Finding::Truncated { seq, size, time } => write!(
                f,
                "record {seq} and those after it are missing: the checkpoint signed at {time} has {size} records (cut short, or restored from an older copy)"
            ),
        }
    }
}

/// Reads the records in order of `seq`, one at a time (a million need no more memory than one).
pub struct Verifier {
    checkpoints: Vec<Checkpoint>,
    next: usize,
    tree: Tree,
    /// The record read but not yet judged (a break in the chain is judged with the next one).
    pending: Option<Stored>,
    /// The recomputed leaves of the last two records judged (the last first).
    last: [Option<Hash>; 2],
    /// The size of the largest checkpoint matched so far.
    matched: u64,
}

impl Verifier {
    pub fn new(mut checkpoints: Vec<Checkpoint>) -> Verifier {
        checkpoints.sort_by_key(|c| c.size);
        Verifier {
            checkpoints,
            next: 0,
            tree: Tree::default(),
            pending: None,
            last: [None, None],
            matched: 0,
        }
    }

    /// Takes the next stored record.
    pub fn push(&mut self, r: Stored) -> Result<(), Finding> {
        let seq = r.record.seq;
        if r.record.leaf() != r.leaf {
            self.judge(Some(&r))?;
            return Err(Finding::Edited { seq });
        }
        match self.pending.replace(r) {
            Some(prev) => self.judge_with(prev),
            None => Ok(()),
        }
    }

    fn judge_with(&mut self, r: Stored) -> Result<(), Finding> {
        let next = self.pending.clone();
        self.judge_one(r, next.as_ref())
    }

    /// Judges the pending record, if any, knowing the one after it.
    fn judge(&mut self, next: Option<&Stored>) -> Result<(), Finding> {
        match self.pending.take() {
            Some(r) => self.judge_one(r, next),
            None => Ok(()),
        }
    }

    fn judge_one(&mut self, r: Stored, next: Option<&Stored>) -> Result<(), Finding> {
        let seq = r.record.seq;
        let expected = self.tree.size() as i64 + 1;
        if seq > expected {
            return Err(Finding::Missing { seq: expected });
        }
        if seq < expected {
            return Err(Finding::Misplaced { seq });
        }
        let before = self.last[0].unwrap_or([0; 32]);
        if r.prev != before {
            // Which record broke the chain: this one, moved here from the next place; the one
            // before, inserted between two that chain; or the one before, edited with its hash
            // recomputed (or records removed after it, which reads the same).
            let swapped = next.is_some_and(|n| n.leaf == r.prev);
            let inserted_before = self.last[1].is_some_and(|h| h == r.prev);
            return Err(if swapped || seq == 1 {
                Finding::Misplaced { seq }
            } else if inserted_before {
                Finding::Misplaced { seq: seq - 1 }
            } else {
                Finding::Broken { seq: seq - 1 }
            });
        }
        self.tree.push(r.leaf);
        self.last = [Some(r.leaf), self.last[0]];
        self.check_checkpoints()
    }

    fn check_checkpoints(&mut self) -> Result<(), Finding> {
        while let Some(c) = self.checkpoints.get(self.next) {
            if c.size > self.tree.size() {
                break;
            }
            if self.tree.root() != c.root {
                return Err(Finding::Rewritten {
                    seq: self.matched as i64 + 1,
                    size: c.size,
                    time: c.time,
                });
            }
            self.matched = c.size;
            self.next += 1;
        }
        Ok(())
    }

    /// Ends the read: the last record is judged and no checkpoint may be left unreached.
    /// Answers the size and root of the whole log.
    pub fn finish(mut self) -> Result<(u64, Hash), Finding> {
        self.judge(None)?;
        self.check_checkpoints()?;
        if let Some(c) = self.checkpoints.get(self.next) {
            return Err(Finding::Truncated {
                seq: self.tree.size() as i64 + 1,
                size: c.size,
                time: c.time,
            });
        }
        Ok((self.tree.size(), self.tree.root()))
    }
}
