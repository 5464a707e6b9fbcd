//! Hashing in slices of a millisecond, with a rest after each.
//!
//! A hashing thread at the lowest priority gives way at once to a thread that
//! wakes on its core, but not to work already waiting for the other core:
//! Linux moves such work over when a core goes idle, or else at its next
//! balancing tick (4 ms apart here), and a core running a hash does not go
//! idle for the 15-30 ms the hash takes. A request whose worker was
//! preempted on the other core then waits there for its turn.
//!
//! Measured on two cores, with `ledger(id)` paced at half its saturation
//! and its p99 compared with the same load alone: a thread of Linux's idle
//! class busy in stretches of 15 ms, each followed by an equal rest, raised
//! the p99 2.9-3.0 times; in stretches of 4 ms, 2.5-2.6 times; in stretches
//! of 1 ms, 1.5-1.9 times (docs/BENCHMARKS.md, "Login flood").
//!
//! So while a hash runs, a timer signals its thread after each millisecond,
//! and the signal's handler sleeps for a millisecond: the core goes idle,
//! and the work waiting on the other core moves over. A hashing thread
//! therefore uses at most half a core.

use std::{
    cell::Cell,
    panic::{self, AssertUnwindSafe},
    sync::OnceLock,
    thread,
    time::{Duration, Instant},
};

use nix::{
    libc::c_int,
    sys::{
        signal::{self, SaFlags, SigAction, SigEvent, SigHandler, SigSet, SigevNotify, Signal},
        time::TimeSpec,
        timer::{Expiration, Timer, TimerSetTimeFlags},
    },
    time::{ClockId, ClockNanosleepFlags, clock_nanosleep},
    unistd::gettid,
};

/// How long a hash runs before it rests, and how long it rests.
const SLICE: Duration = Duration::from_millis(1);

/// The signal that ends a slice. Nothing else in the service or its
/// libraries uses it, and only the hashing threads' timers send it.
const SLICE_END: Signal = Signal::SIGVTALRM;

thread_local! {
    /// Rests this thread has taken: the tests read it. A constant start and
    /// no destructor, so the handler's access is a plain thread-local read
    /// and write, with no set-up that could allocate.
    static RESTS: Cell<u64> = const { Cell::new(0) };
}

/// Runs work on the calling thread in slices. Without a timer (the signal
/// or the timer could not be set up) the work runs whole, and its thread
/// owes a rest as long as the work took: still at most half a core, in
/// longer stretches.
pub struct Slicer {
    timer: Option<Timer>,
}

impl Slicer {
    /// A slicer for the calling thread: its timer signals this thread only.
    pub fn for_this_thread() -> Self {
        let timer = install_rest().and_then(|()| {
            let event = SigEvent::new(SigevNotify::SigevThreadId {
                signal: SLICE_END,
                thread_id: gettid().as_raw(),
                si_value: 0,
            });
            Timer::new(ClockId::CLOCK_MONOTONIC, event)
        });
        match timer {
            Ok(timer) => Self { timer: Some(timer) },
            Err(error) => {
                tracing::warn!(%error, "hashing runs in whole stretches: no slice timer");
                Self { timer: None }
            }
        }
    }

    /// Runs `work`, resting a slice after each slice it runs, and returns
    /// the rest still owed: none when it ran in slices, as long as it took
    /// when it ran whole. The caller takes that rest once the result is
    /// handed on, so that no one waits for it.
    ///
    /// A panic in `work` is caught and returned, with the timer disarmed:
    /// the thread lives on to run the next job, and rests no more.
    #[must_use = "a thread that ran its work whole owes a rest"]
    pub fn run(&mut self, work: impl FnOnce()) -> thread::Result<Duration> {
        // The first slice ends one slice from now, and each later one a
        // slice after the rest before it ended.
        let every = Expiration::IntervalDelayed(TimeSpec::from(SLICE), TimeSpec::from(2 * SLICE));
        let armed = self.timer.as_mut().and_then(|timer| {
            let set = timer.set(every, TimerSetTimeFlags::empty());
            set.ok().map(|()| timer)
        });
        match armed {
            Some(timer) => {
                let ran = panic::catch_unwind(AssertUnwindSafe(work));
                // A zero expiry disarms. A signal already on its way still
                // arrives, and costs one more rest.
                let disarm = Expiration::OneShot(TimeSpec::new(0, 0));
                let _ = timer.set(disarm, TimerSetTimeFlags::empty());
                ran.map(|()| Duration::ZERO)
            }
            None => {
                let started = Instant::now();
                let ran = panic::catch_unwind(AssertUnwindSafe(work));
                ran.map(|()| started.elapsed())
            }
        }
    }
}

/// Installs `rest` as the handler of `SLICE_END`, once for the process.
fn install_rest() -> nix::Result<()> {
    static INSTALLED: OnceLock<nix::Result<()>> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        // SA_RESTART: a system call that the signal interrupts (none should:
        // the timer runs only while a hash computes) carries on after it.
        let action = SigAction::new(
            SigHandler::Handler(rest),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        // SAFETY: `rest` calls only `clock_nanosleep`, which POSIX lists as
        // async-signal-safe and which reports its errors by its return value,
        // leaving `errno` as the interrupted code had it; and it counts in its
        // thread's own `RESTS`, which nothing else on the thread is changing
        // when the signal comes. It touches no other state. It replaces the
        // default action of a signal that nothing else in the process uses.
        #[allow(unsafe_code)]
        let previous = unsafe { signal::sigaction(SLICE_END, &action) };
        previous.map(drop)
    })
}

extern "C" fn rest(_signal: c_int) {
    RESTS.with(|rests| rests.set(rests.get() + 1));
    let _ = clock_nanosleep(
        ClockId::CLOCK_MONOTONIC,
        ClockNanosleepFlags::empty(),
        &TimeSpec::from(SLICE),
    );
}

/// What the hashing threads' tests measure with.
#[cfg(test)]
pub(super) mod test_support {
    use super::*;

    /// Rests the calling thread has taken so far.
    pub fn rests_taken() -> u64 {
        RESTS.get()
    }

    pub fn thread_cpu_time() -> Duration {
        let now = nix::time::clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).expect("a clock");
        Duration::from(now)
    }

    /// Spins until this thread has used `cpu` of processor time.
    pub fn spin_for(cpu: Duration) {
        let from = thread_cpu_time();
        while thread_cpu_time() - from < cpu {
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use super::{test_support::*, *};

    #[test]
    fn work_runs_in_slices_with_a_rest_after_each() {
        let (rests, owed, cpu, wall) = thread::spawn(|| {
            let mut slicer = Slicer::for_this_thread();
            assert!(slicer.timer.is_some(), "the slice timer is set up");
            let rests_before = rests_taken();
            let (cpu_before, started) = (thread_cpu_time(), Instant::now());
            let owed = slicer.run(|| spin_for(Duration::from_millis(20))).unwrap();
            (
                rests_taken() - rests_before,
                owed,
                thread_cpu_time() - cpu_before,
                started.elapsed(),
            )
        })
        .join()
        .unwrap();
        // 20 ms of processor time in slices of at most 1 ms: at least 19
        // rests of 1 ms each, so the work took at least 39 ms.
        assert!(rests >= 19, "{rests} rests for {cpu:?} of work");
        assert!(wall >= cpu * 3 / 2, "{cpu:?} of work took {wall:?}");
        assert_eq!(owed, Duration::ZERO, "the rests were taken in slices");
    }

    #[test]
    fn the_timer_stops_with_the_work() {
        thread::spawn(|| {
            let mut slicer = Slicer::for_this_thread();
            let _ = slicer.run(|| spin_for(Duration::from_millis(5)));
            let after_work = rests_taken();
            thread::sleep(Duration::from_millis(30));
            // At most the one signal already on its way when it was
            // disarmed, where a timer left running would send some 15.
            assert!(rests_taken() - after_work <= 1);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_panic_in_the_work_is_returned_and_the_timer_stops() {
        thread::spawn(|| {
            let mut slicer = Slicer::for_this_thread();
            let ran = slicer.run(|| {
                spin_for(Duration::from_millis(5));
                panic!("a hash that panics");
            });
            assert!(ran.is_err(), "the panic is returned");
            let after_work = rests_taken();
            thread::sleep(Duration::from_millis(30));
            assert!(rests_taken() - after_work <= 1, "the timer was disarmed");
        })
        .join()
        .expect("the thread lives on after the panic");
    }

    #[test]
    fn without_a_timer_the_work_runs_whole_and_owes_its_time() {
        let work = Duration::from_millis(10);
        let (rests, owed) = thread::spawn(move || {
            let mut slicer = Slicer { timer: None };
            let rests_before = rests_taken();
            let owed = slicer.run(|| spin_for(work)).unwrap();
            (rests_taken() - rests_before, owed)
        })
        .join()
        .unwrap();
        assert_eq!(rests, 0);
        // The time owed is the work's time on the clock, which is never less
        // than its time on the CPU (comparing with a CPU time measured around
        // the call failed when the two differed only by that call).
        assert!(owed >= work, "owes {owed:?} after {work:?} of work");
    }
}
