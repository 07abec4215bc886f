//! Scenarios' turns on a real instance: side by side (at most `--concurrency` of them at work), or alone for
//! an `@instance-wide` one from its first instance-wide change. A turn belongs to its scenario, never to the
//! scenario's world, and ends with the scenario whatever its outcome.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit, RwLock, Semaphore,
};
use tokio::time::Instant;

use crate::report::collector::ScenarioKey;

/// How long a scenario waits for its turn before it says what it waits for (and again each time as long).
const SAY_AFTER: Duration = Duration::from_secs(30);

/// Who has the instance now. A scenario's turn is entered when it begins and removed when it ends (the
/// after hook ends it through [`Turns::end_on_drop`], so even a panicking undo ends it); cucumber may keep a
/// finished scenario's world for its reports as long as it likes, since the world holds no turn.
pub(super) struct Turns {
    lock: Arc<RwLock<()>>,
    /// A place for each scenario that may work side by side (`--concurrency`): a scenario waiting aside
    /// leaves its place to another, so cucumber may start more scenarios than there are places.
    places: Arc<Semaphore>,
    held: Mutex<HashMap<ScenarioKey, Turn>>,
    say_after: Duration,
}

/// One scenario's turn: who it is, and its hold on the instance (none while it waits aside).
struct Turn {
    id: String,
    alone: bool,
    hold: Option<Hold>,
}

/// The lock guard of a turn (and a side-by-side one's place): held, never read; dropping it lets others in.
enum Hold {
    Shared {
        _guard: OwnedRwLockReadGuard<()>,
        _place: OwnedSemaphorePermit,
    },
    Alone {
        _guard: OwnedRwLockWriteGuard<()>,
    },
}

impl Turns {
    /// Turns for `concurrency` scenarios at work side by side.
    pub(super) fn new(concurrency: usize) -> Turns {
        Turns::saying_after(concurrency, SAY_AFTER)
    }

    fn saying_after(concurrency: usize, say_after: Duration) -> Turns {
        Turns {
            lock: Arc::new(RwLock::new(())),
            places: Arc::new(Semaphore::new(concurrency.max(1))),
            held: Mutex::new(HashMap::new()),
            say_after,
        }
    }

    /// Waits for the scenario's turn beside the others and enters it; returns how long it waited.
    pub(super) async fn take(&self, key: &ScenarioKey, id: &str) -> Duration {
        let started = Instant::now();
        let hold = self.wait(id, false).await;
        let turn = Turn {
            id: id.to_owned(),
            alone: false,
            hold: Some(hold),
        };
        crate::lock(&self.held).insert(key.clone(), turn);
        started.elapsed()
    }

    /// Takes the instance alone for a scenario beside the others (before its first instance-wide change): it
    /// gives up its place and waits for the others to finish; returns how long it waited.
    pub(super) async fn go_alone(&self, key: &ScenarioKey) -> Duration {
        if let Some(turn) = crate::lock(&self.held).get_mut(key) {
            turn.alone = true;
        }
        self.step_aside(key);
        self.rejoin(key).await
    }

    /// Lets the others have the instance while the scenario waits for something else (its turn stays
    /// entered, without a hold).
    pub(super) fn step_aside(&self, key: &ScenarioKey) {
        let hold = crate::lock(&self.held)
            .get_mut(key)
            .and_then(|turn| turn.hold.take());
        drop(hold);
    }

    /// Takes the instance back after [`Self::step_aside`]; returns how long it waited.
    pub(super) async fn rejoin(&self, key: &ScenarioKey) -> Duration {
        let Some((id, alone)) = crate::lock(&self.held)
            .get(key)
            .map(|turn| (turn.id.clone(), turn.alone))
        else {
            return Duration::ZERO;
        };
        let started = Instant::now();
        let hold = self.wait(&id, alone).await;
        if let Some(turn) = crate::lock(&self.held).get_mut(key) {
            turn.hold = Some(hold);
        }
        started.elapsed()
    }

    /// Ends the scenario's turn when the returned value is dropped.
    pub(super) fn end_on_drop(self: &Arc<Self>, key: ScenarioKey) -> TurnEnds {
        TurnEnds {
            turns: self.clone(),
            key,
        }
    }

    fn end(&self, key: &ScenarioKey) {
        let turn = crate::lock(&self.held).remove(key);
        drop(turn);
    }

    /// Waits for the lock in its queue, saying every `say_after` what the scenario waits for.
    async fn wait(&self, id: &str, alone: bool) -> Hold {
        let (lock, places) = (self.lock.clone(), self.places.clone());
        let mut acquired = pin!(async move {
            match alone {
                true => Hold::Alone {
                    _guard: lock.write_owned().await,
                },
                // The lock first: a scenario holding a place never waits behind one alone.
                false => {
                    let guard = lock.read_owned().await;
                    Hold::Shared {
                        _guard: guard,
                        _place: places
                            .acquire_owned()
                            .await
                            .expect("the places are never closed"),
                    }
                }
            }
        });
        let started = Instant::now();
        loop {
            tokio::select! {
                hold = &mut acquired => return hold,
                () = tokio::time::sleep(self.say_after) => {
                    println!("{}", self.waiting_line(id, alone, started.elapsed()));
                }
            }
        }
    }

    /// `CC-A1 has waited 30 s for the instance to itself; running: CC-B3, CC-E4 (waiting aside)`.
    fn waiting_line(&self, id: &str, alone: bool, waited: Duration) -> String {
        let held = crate::lock(&self.held);
        let mut running: Vec<String> = held
            .values()
            .map(|turn| match (&turn.hold, turn.alone) {
                (None, _) => format!("{} (waiting aside)", turn.id),
                (Some(_), true) => format!("{} (alone)", turn.id),
                (Some(_), false) => turn.id.clone(),
            })
            .collect();
        running.sort();
        let what = if alone {
            "the instance to itself"
        } else {
            "its turn beside the others"
        };
        let running = match running.is_empty() {
            true => "none".to_owned(),
            false => running.join(", "),
        };
        format!(
            "{id} has waited {} s for {what}; running: {running}",
            waited.as_secs()
        )
    }
}

/// Ends a scenario's turn when dropped: at the end of the after hook, or while it unwinds.
pub(super) struct TurnEnds {
    turns: Arc<Turns>,
    key: ScenarioKey,
}

impl Drop for TurnEnds {
    fn drop(&mut self) {
        self.turns.end(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(line: usize) -> ScenarioKey {
        ("features/x.feature".into(), line)
    }

    /// Takes a turn beside the others, then the instance alone, as an instance-wide scenario does.
    async fn alone(turns: &Turns, line: usize, id: &str) -> Duration {
        turns.take(&key(line), id).await;
        turns.go_alone(&key(line)).await
    }

    #[tokio::test(start_paused = true)]
    async fn an_ended_turn_lets_a_scenario_alone_in_whatever_else_keeps_its_world() {
        let turns = Arc::new(Turns::new(8));
        turns.take(&key(1), "CC-B3").await;
        let ends = turns.end_on_drop(key(1));
        let waiting = tokio::spawn({
            let turns = turns.clone();
            async move { alone(&turns, 2, "CC-A1").await }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished(), "an instance-wide scenario waits");
        drop(ends);
        let waited = waiting.await.unwrap();
        assert_eq!(waited, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_scenario_going_alone_lets_the_others_finish_and_keeps_the_later_ones_out() {
        let turns = Arc::new(Turns::new(8));
        turns.take(&key(1), "CC-B3").await;
        turns.take(&key(2), "CC-A1").await;
        let going = tokio::spawn({
            let turns = turns.clone();
            async move { turns.go_alone(&key(2)).await }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        let later = tokio::spawn({
            let turns = turns.clone();
            async move { turns.take(&key(3), "CC-B4").await }
        });
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(!going.is_finished(), "CC-B3 is still at work");
        turns.end(&key(1));
        assert_eq!(going.await.unwrap(), Duration::from_secs(3));
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(!later.is_finished(), "no one joins a scenario alone");
        turns.end(&key(2));
        assert_eq!(later.await.unwrap(), Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_concurrency_work_side_by_side_and_one_waiting_aside_leaves_its_place()
    {
        let turns = Arc::new(Turns::new(2));
        turns.take(&key(1), "CC-E4").await;
        turns.take(&key(2), "CC-B3").await;
        let third = tokio::spawn({
            let turns = turns.clone();
            async move { turns.take(&key(3), "CC-B4").await }
        });
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(!third.is_finished(), "two places, both taken");
        turns.step_aside(&key(1));
        assert_eq!(third.await.unwrap(), Duration::from_secs(2));
        let back = tokio::spawn({
            let turns = turns.clone();
            async move { turns.rejoin(&key(1)).await }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!back.is_finished(), "its place was taken meanwhile");
        turns.end(&key(2));
        assert_eq!(back.await.unwrap(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_after_hook_still_ends_the_turn() {
        let turns = Arc::new(Turns::new(8));
        turns.take(&key(1), "CC-B3").await;
        let after_hook = {
            let turns = turns.clone();
            async move {
                let _ends = turns.end_on_drop(key(1));
                panic!("the undo panicked");
            }
        };
        assert!(tokio::spawn(after_hook).await.is_err());
        let alone = tokio::time::timeout(Duration::from_secs(1), alone(&turns, 2, "CC-A1"));
        assert!(alone.await.is_ok(), "the turn ended with the hook");
    }

    #[tokio::test(start_paused = true)]
    async fn a_scenario_waiting_aside_lets_one_alone_run_and_rejoins_after_it() {
        let turns = Arc::new(Turns::new(8));
        turns.take(&key(1), "CC-E4").await;
        turns.step_aside(&key(1));
        alone(&turns, 2, "CC-A4").await;
        let rejoin = tokio::spawn({
            let turns = turns.clone();
            async move { turns.rejoin(&key(1)).await }
        });
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert!(!rejoin.is_finished());
        turns.end(&key(2));
        assert_eq!(rejoin.await.unwrap(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_wait_says_who_has_the_instance() {
        let turns = Turns::saying_after(8, Duration::from_secs(30));
        turns.take(&key(1), "CC-B3").await;
        turns.take(&key(2), "CC-E4").await;
        turns.step_aside(&key(2));
        assert_eq!(
            turns.waiting_line("CC-A1", true, Duration::from_secs(30)),
            "CC-A1 has waited 30 s for the instance to itself; running: CC-B3, CC-E4 (waiting aside)"
        );
        turns.end(&key(1));
        turns.end(&key(2));
        alone(&turns, 3, "CC-A4").await;
        assert_eq!(
            turns.waiting_line("CC-B5", false, Duration::from_secs(60)),
            "CC-B5 has waited 60 s for its turn beside the others; running: CC-A4 (alone)"
        );
    }
}
