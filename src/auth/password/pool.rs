//! The hashing threads, their queue, and how a result gets back.
//!
//! A hashing thread runs at Linux's lowest normal priority, so it must
//! never hold a lock that other threads wait for: preempted while holding
//! it on busy cores, it gets a core back only for its small share of the
//! time, and the waiters would stall with it. Handing a result to tokio, or
//! sleeping in a thread pool's condition variable, takes such locks. So:
//! - jobs arrive in a fixed-size lock-free queue, and the thread sleeps
//!   with `park`, which is a futex on an atomic, not a mutex;
//! - finished jobs go to a second lock-free queue, and a relay thread at
//!   the default priority wakes the waiting tasks;
//! - a hashing thread allocates nothing and frees nothing (but for a
//!   panic's report): inputs and results travel in the job, which its
//!   caller drops, and its Argon2 memory is lent to it for each job (see
//!   `memory`).

use std::{
    sync::Arc,
    thread::{self, Thread},
    time::Duration,
};

use argon2::Block;
use crossbeam_queue::ArrayQueue;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::{memory::Memory, slices::Slicer};
use crate::error::{AppError, AppResult};

/// What a job computes: run on a hashing thread, it reads its inputs and
/// writes its result in place, with `memory` to work in.
pub trait Work: std::any::Any + Send {
    fn run(&mut self, memory: &mut [Block]);
}

struct Job {
    work: Box<dyn Work>,
    reply: oneshot::Sender<Box<dyn Work>>,
    /// Held until the job leaves the second queue: every job in either queue
    /// holds a place, so neither queue can overflow, even when callers give
    /// up.
    place: OwnedSemaphorePermit,
    /// Whether `work` ran to its end. A job that panicked (or was never
    /// run) gets no answer: its caller gets an error, not a half-made
    /// result.
    finished: bool,
}

struct Shared {
    jobs: ArrayQueue<Job>,
    done: ArrayQueue<Job>,
    relay: Thread,
    memory: Memory,
}

pub struct Hasher {
    shared: Arc<Shared>,
    workers: Vec<Thread>,
    places: Arc<Semaphore>,
}

impl Hasher {
    /// `threads` hashing threads at the lowest priority,
    /// `places` for hashes running or waiting, and memory for as many
    /// threads.
    pub fn new(threads: usize, places: usize, memory: Memory) -> Self {
        // The relay needs the queues, and the queues' owner needs the relay's
        // handle to wake it: it gets them once it runs.
        let (hand_over, handed) = std::sync::mpsc::channel::<Arc<Shared>>();
        let relay = thread::Builder::new()
            .name("argon2-relay".into())
            .spawn(move || {
                if let Ok(shared) = handed.recv() {
                    relay_results(&shared);
                }
            })
            .expect("starting the hashing relay thread");
        let shared = Arc::new(Shared {
            jobs: ArrayQueue::new(places),
            done: ArrayQueue::new(places),
            relay: relay.thread().clone(),
            memory,
        });
        let _ = hand_over.send(shared.clone());
        let workers = (0..threads)
            .map(|index| {
                let shared = shared.clone();
                thread::Builder::new()
                    .name(format!("argon2-{index}"))
                    .spawn(move || {
                        let slicer = Slicer::for_this_thread();
                        lower_this_threads_priority();
                        hash_jobs(&shared, slicer);
                    })
                    .expect("starting a hashing thread")
                    .thread()
                    .clone()
            })
            .collect();
        Self {
            shared,
            workers,
            places: Arc::new(Semaphore::new(places)),
        }
    }

    /// A place in the queue, or RATE_LIMITED at once when every place is
    /// taken.
    pub fn reserve(&'static self) -> AppResult<HashPlace> {
        match self.places.clone().try_acquire_owned() {
            Ok(place) => Ok(HashPlace {
                hasher: self,
                place,
            }),
            Err(_) => {
                metrics::counter!("uliga_password_hashes_refused_total").increment(1);
                Err(AppError::RateLimited {
                    retry_after_secs: 1,
                })
            }
        }
    }
}

fn hash_jobs(shared: &Shared, mut slicer: Slicer) {
    loop {
        match shared.jobs.pop() {
            Some(mut job) => {
                // A caller that gave up (its request timed out) needs no answer.
                let owed = if job.reply.is_closed() {
                    Duration::ZERO
                } else if let Some(mut buffer) = shared.memory.take() {
                    // A panic (which the panic hook has logged) ends only its
                    // job: the thread goes on to the next, and the job goes
                    // through the relay like any other, so that its place and
                    // its count in `memory` are given back.
                    let ran = slicer.run(|| job.work.run(buffer.blocks()));
                    shared.memory.put_back(buffer);
                    job.finished = ran.is_ok();
                    ran.unwrap_or_default()
                } else {
                    // Only if `Memory::before_job` broke its promise: the job
                    // goes back unrun.
                    Duration::ZERO
                };
                // `done` has a place for every job (see `Job::place`).
                let _ = shared.done.push(job);
                shared.relay.unpark();
                // Only once the result is on its way: no caller waits for it.
                thread::sleep(owed);
            }
            None => thread::park(),
        }
    }
}

fn relay_results(shared: &Shared) {
    loop {
        match shared.done.pop() {
            Some(Job {
                work,
                reply,
                place,
                finished,
            }) => {
                shared.memory.after_job();
                // Out of both queues now: the place is free before the caller
                // hears back, so a caller that reserves again finds it.
                drop(place);
                if finished {
                    let _ = reply.send(work);
                }
                // Otherwise `reply` is dropped unsent, which is the answer.
            }
            // The relay is of the normal class, so it may unmap the memory.
            None => match shared.memory.release_when_idle() {
                Some(wait) => thread::park_timeout(wait),
                None => thread::park(),
            },
        }
    }
}

/// The lowest priority of Linux's normal class (nice 19): a thread of
/// higher priority that becomes runnable preempts it at once, so the hashes
/// run on CPU time other work does not want; and when the cores never go
/// idle, they still get a small share (about 1.5% of a core against each busy
/// thread of nice 0), so a login still finishes. Linux's idle class
/// (SCHED_IDLE) gets next to nothing then: with two busy processes on the two
/// cores, every login ran into the request time limit (docs/DECISIONS.md).
fn lower_this_threads_priority() {
    if let Err(error) = thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        // The crate's lowest portable priority is nice 19 on Linux (the
        // test below reads it back).
        thread_priority::ThreadPriority::Crossplatform(thread_priority::ThreadPriorityValue::MIN),
        NORMAL,
    ) {
        tracing::warn!(?error, "cannot lower the hashing thread's priority");
    }
}

const NORMAL: thread_priority::ThreadSchedulePolicy = thread_priority::ThreadSchedulePolicy::Normal(
    thread_priority::NormalThreadSchedulePolicy::Other,
);

/// A place in the hashing queue, held from before the caller's other work
/// until its hash is done.
pub struct HashPlace {
    hasher: &'static Hasher,
    place: OwnedSemaphorePermit,
}

impl HashPlace {
    /// Runs `work` on a hashing thread and gives it back, result inside.
    pub async fn run<W: Work>(self, work: W) -> AppResult<W> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work: Box::new(work),
            reply,
            place: self.place,
            finished: false,
        };
        let hasher = self.hasher;
        let shared = &hasher.shared;
        if !shared.memory.is_mapped() {
            // Faulting in 19 MiB takes milliseconds: not on a worker that
            // serves requests. Counted apart from the job, so that a caller
            // that gives up meanwhile leaves no job counted.
            tokio::task::spawn_blocking(move || hasher.shared.memory.map())
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?;
            // To look at them again: if this caller gives up now, the relay
            // gives them back after the idle time.
            shared.relay.unpark();
        }
        shared.memory.before_job().map_err(AppError::internal)?;
        // The queue has a place for every job (see `Job::place`).
        if shared.jobs.push(job).is_err() {
            // Never run, and so never relayed: `after_job` is owed here.
            shared.memory.after_job();
            return Err(AppError::internal(anyhow::anyhow!(
                "hashing queue full despite a place"
            )));
        }
        for worker in &self.hasher.workers {
            worker.unpark();
        }
        let done = answer.await.map_err(|_| {
            AppError::internal(anyhow::anyhow!(
                "a hash ended without a result: it panicked (see the log) or never ran"
            ))
        })?;
        // The box holds the `W` this call put in.
        let done: Box<dyn std::any::Any> = done;
        done.downcast::<W>()
            .map(|work| *work)
            .map_err(|_| AppError::internal(anyhow::anyhow!("hashing job changed type")))
    }
}

#[cfg(test)]
mod tests {
    use super::{super::slices::test_support, *};

    /// Memory of four blocks for each of `threads`, kept half a second.
    fn test_memory(threads: usize) -> Memory {
        Memory::new(threads, 4, Duration::from_millis(500))
    }

    /// The scheduling policy and nice value of the thread that ran it.
    #[derive(Default)]
    struct Policy {
        policy: Option<thread_priority::ThreadSchedulePolicy>,
        nice: i32,
    }

    /// The size of the memory its job was lent.
    struct MemoryLent(usize);

    impl Work for MemoryLent {
        fn run(&mut self, memory: &mut [Block]) {
            self.0 = memory.len();
        }
    }

    impl Work for Policy {
        fn run(&mut self, _memory: &mut [Block]) {
            self.policy = thread_priority::thread_schedule_policy().ok();
            self.nice = this_threads_nice();
        }
    }

    /// The calling thread's nice value, as Linux reports it.
    fn this_threads_nice() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // After the command's closing parenthesis: state is field 3, nice 19.
        let after_command = &stat[stat.rfind(')').unwrap() + 2..];
        after_command.split(' ').nth(16).unwrap().parse().unwrap()
    }

    struct Double(u32);

    struct Panics;

    impl Work for Panics {
        fn run(&mut self, _memory: &mut [Block]) {
            panic!("a hash that panics");
        }
    }

    /// Spins for 20 ms of its thread's processor time and counts the rests
    /// that thread took meanwhile.
    struct Spin {
        rests: u64,
    }

    impl Work for Spin {
        fn run(&mut self, _memory: &mut [Block]) {
            let before = test_support::rests_taken();
            test_support::spin_for(Duration::from_millis(20));
            self.rests = test_support::rests_taken() - before;
        }
    }

    impl Work for Double {
        fn run(&mut self, _memory: &mut [Block]) {
            self.0 *= 2;
        }
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_a_finished_hash_frees_its_place() {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher::new(1, 2, test_memory(1))));
        let first = hasher.reserve().unwrap();
        let second = hasher.reserve().unwrap();
        assert!(matches!(
            hasher.reserve(),
            Err(AppError::RateLimited { .. })
        ));
        assert_eq!(first.run(Double(21)).await.unwrap().0, 42);
        let third = hasher.reserve().expect("the first place was given back");
        drop((second, third));
    }

    #[tokio::test]
    async fn hashing_threads_run_at_the_lowest_normal_priority_and_only_they() {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher::new(1, 1, test_memory(1))));
        let ran = hasher
            .reserve()
            .unwrap()
            .run(Policy::default())
            .await
            .unwrap();
        assert_eq!(ran.policy, Some(NORMAL));
        assert_eq!(ran.nice, 19);
        assert_eq!(this_threads_nice(), 0);
    }

    #[tokio::test]
    async fn a_job_runs_in_slices_with_a_rest_after_each() {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher::new(1, 1, test_memory(1))));
        let spin = hasher
            .reserve()
            .unwrap()
            .run(Spin { rests: 0 })
            .await
            .unwrap();
        // 20 ms of processor time in slices of at most 1 ms.
        assert!(spin.rests >= 19, "{} rests", spin.rests);
    }

    #[tokio::test]
    async fn a_job_is_lent_memory_which_is_freed_once_the_hashes_stop() {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher::new(1, 1, test_memory(1))));
        let lent = hasher.reserve().unwrap().run(MemoryLent(0)).await.unwrap();
        assert_eq!(lent.0, 4);
        let memory = &hasher.shared.memory;
        assert_eq!(memory.buffers(), 1, "kept for the next hash");
        let freed_by = std::time::Instant::now() + Duration::from_secs(5);
        while memory.buffers() > 0 && std::time::Instant::now() < freed_by {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(memory.buffers(), 0, "the relay frees it once idle");
        let lent = hasher.reserve().unwrap().run(MemoryLent(0)).await.unwrap();
        assert_eq!(lent.0, 4, "and makes it again for the next hash");
    }

    #[tokio::test]
    async fn a_hash_that_panics_is_an_error_and_its_thread_hashes_on() {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher::new(1, 1, test_memory(1))));
        let failed = hasher.reserve().unwrap().run(Panics).await;
        assert!(matches!(failed, Err(AppError::Internal(_))));
        // The one place, and the one thread, take the next job.
        let next = hasher.reserve().expect("the place was given back");
        let doubled = tokio::time::timeout(Duration::from_secs(5), next.run(Double(21)))
            .await
            .expect("the hashing thread lives on");
        assert_eq!(doubled.unwrap().0, 42);
        // No job is left counted, so the memory is given back once idle.
        let memory = &hasher.shared.memory;
        let freed_by = std::time::Instant::now() + Duration::from_secs(5);
        while memory.buffers() > 0 && std::time::Instant::now() < freed_by {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(memory.buffers(), 0);
    }

    #[tokio::test]
    async fn many_jobs_from_many_tasks_all_come_back() {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher::new(2, 64, test_memory(2))));
        let tasks: Vec<_> = (0..64_u32)
            .map(|n| tokio::spawn(async move { hasher.reserve().unwrap().run(Double(n)).await }))
            .collect();
        for (n, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap().unwrap().0, 2 * n as u32);
        }
    }
}
