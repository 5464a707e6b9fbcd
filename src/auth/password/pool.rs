//! The hashing threads and the places in their queue.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::error::{AppError, AppResult};

pub struct Hasher {
    pool: rayon::ThreadPool,
    places: Arc<Semaphore>,
}

impl Hasher {
    /// `threads` hashing threads at the lowest priority, and `places` for
    /// hashes running or waiting.
    pub fn new(threads: usize, places: usize) -> Self {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|index| format!("argon2-{index}"))
            .start_handler(|_| lower_this_threads_priority())
            .build()
            .expect("starting the hashing threads");
        Self {
            pool,
            places: Arc::new(Semaphore::new(places)),
        }
    }

    /// A place in the queue, or RATE_LIMITED at once when every place is
    /// taken.
    pub fn reserve(&'static self) -> AppResult<HashPlace> {
        match self.places.clone().try_acquire_owned() {
            Ok(place) => Ok(HashPlace {
                hasher: self,
                _place: place,
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

/// SCHED_IDLE, Linux's lowest scheduling class: a thread of any other class
/// that becomes runnable preempts it at once, so the hashes run only on CPU
/// time nothing else wants. The class belongs to the thread, so the async
/// workers and the rest of the process keep theirs.
fn lower_this_threads_priority() {
    if let Err(error) = thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        thread_priority::ThreadPriority::Min,
        IDLE,
    ) {
        tracing::warn!(?error, "cannot lower the hashing thread's priority");
    }
}

const IDLE: thread_priority::ThreadSchedulePolicy = thread_priority::ThreadSchedulePolicy::Normal(
    thread_priority::NormalThreadSchedulePolicy::Idle,
);

/// A place in the hashing queue, held from before the caller's other work
/// until its hash is done.
pub struct HashPlace {
    hasher: &'static Hasher,
    _place: OwnedSemaphorePermit,
}

impl HashPlace {
    /// Runs `work` on a hashing thread; the place is given back once it is
    /// done.
    pub async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let (done, result) = oneshot::channel();
        self.hasher.pool.spawn(move || {
            // A caller that gave up (its request timed out) needs no answer.
            if !done.is_closed() {
                let _ = done.send(work());
            }
        });
        result.await.map_err(AppError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn this_threads_policy() -> Option<thread_priority::ThreadSchedulePolicy> {
        thread_priority::thread_schedule_policy().ok()
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_a_finished_hash_frees_its_place() {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher::new(1, 2)));
        let first = hasher.reserve().unwrap();
        let second = hasher.reserve().unwrap();
        assert!(matches!(
            hasher.reserve(),
            Err(AppError::RateLimited { .. })
        ));
        assert_eq!(first.run(|| 7).await.unwrap(), 7);
        let third = hasher.reserve().expect("the first place was given back");
        drop((second, third));
    }

    #[tokio::test]
    async fn hashing_threads_run_at_the_lowest_priority() {
        let hasher: &'static Hasher = Box::leak(Box::new(Hasher::new(1, 1)));
        let policy = hasher
            .reserve()
            .unwrap()
            .run(this_threads_policy)
            .await
            .unwrap();
        assert_eq!(policy, Some(IDLE));
        assert_ne!(
            this_threads_policy(),
            Some(IDLE),
            "only the hashing threads are lowered"
        );
    }
}
