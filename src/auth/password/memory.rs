//! The hashing threads' Argon2 memory, 19 MiB for each: lent to a hashing
//! thread for each job, and given back to the kernel once no hash has run
//! for a while, so that an instance that has served a login shrinks back to
//! the memory its queries need.
//!
//! Only threads of the normal class map, fault in or unmap it: a caller,
//! when it queues a job and finds the memory given back (on tokio's
//! blocking pool: faulting in 19 MiB takes milliseconds), and the relay
//! thread, when the hashes have stopped. All three take the process's
//! memory-map lock (a page fault too, on older kernels every time and on
//! newer ones for a mapping's first), which a hashing thread must never
//! hold (see `pool`). A hashing thread only takes a buffer, its pages all
//! in, from a lock-free queue and puts it back.
//!
//! Each buffer is a mapping of its own, not an allocation: the allocator
//! would keep freed memory for reuse and give it back to the kernel only
//! later, on a schedule of its own (measured: still resident 3 s after the
//! release, under load), while an unmapped buffer leaves the RSS at once.

use std::{
    io,
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

use argon2::Block;
use crossbeam_queue::ArrayQueue;
use memmap2::{MmapMut, MmapOptions};

/// Memory for one hash: anonymous pages, faulted in when mapped.
pub struct Buffer(MmapMut);

impl Buffer {
    fn new(blocks: usize) -> io::Result<Self> {
        MmapOptions::new()
            .len(blocks * std::mem::size_of::<Block>())
            .populate()
            .map_anon()
            .map(Self)
    }

    pub fn blocks(&mut self) -> &mut [Block] {
        let blocks = self.0.len() / std::mem::size_of::<Block>();
        // SAFETY: the mapping is page-aligned, more than a `Block` needs;
        // it holds `blocks` whole blocks, borrowed with `self`; and its
        // bytes are the kernel's zeroes or what a hash wrote, all valid for
        // a `Block`, which is an array of integers.
        #[allow(unsafe_code)]
        unsafe {
            std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast::<Block>(), blocks)
        }
    }
}

pub struct Memory {
    /// Buffers no hashing thread is using.
    spare: ArrayQueue<Buffer>,
    /// Taken only by threads of the normal class.
    state: Mutex<State>,
    /// One buffer for each hashing thread.
    buffers_wanted: usize,
    blocks: usize,
    keep_for: Duration,
}

struct State {
    /// Buffers allocated, spare or lent.
    buffers: usize,
    /// Jobs queued and not yet relayed back: while there are any, every
    /// buffer stays.
    jobs: usize,
    /// When buffers were last mapped or a job came back.
    last_used: Instant,
}

impl Memory {
    /// A buffer of `blocks` for each of `threads` hashing threads, kept
    /// `keep_for` after the last job.
    pub fn new(threads: usize, blocks: usize, keep_for: Duration) -> Self {
        Self {
            spare: ArrayQueue::new(threads),
            state: Mutex::new(State {
                buffers: 0,
                jobs: 0,
                last_used: Instant::now(),
            }),
            buffers_wanted: threads,
            blocks,
            keep_for,
        }
    }

    /// Whether every hashing thread has a buffer, so that `before_job`
    /// maps nothing (unless they are given back in between).
    pub fn is_mapped(&self) -> bool {
        self.state().buffers == self.buffers_wanted
    }

    /// Maps the buffers that were given back. Kept `keep_for` from now if
    /// no job follows (its caller gave up).
    pub fn map(&self) -> io::Result<()> {
        self.map_missing(&mut self.state())
    }

    /// Before a job is queued: a buffer is waiting for every hashing
    /// thread until the job is back (`after_job`). It maps only what was
    /// given back since `map`. An error (the kernel had no memory to map)
    /// leaves no job counted.
    pub fn before_job(&self) -> io::Result<()> {
        let mut state = self.state();
        self.map_missing(&mut state)?;
        state.jobs += 1;
        Ok(())
    }

    fn map_missing(&self, state: &mut State) -> io::Result<()> {
        if state.buffers == self.buffers_wanted {
            return Ok(());
        }
        state.last_used = Instant::now();
        let mapped = (state.buffers..self.buffers_wanted).try_for_each(|_| {
            // `spare` has room for every buffer.
            let _ = self.spare.push(Buffer::new(self.blocks)?);
            state.buffers += 1;
            Ok(())
        });
        self.report(state);
        mapped
    }

    /// On a hashing thread, with a job to run: a buffer, which
    /// `before_job` made sure of.
    pub fn take(&self) -> Option<Buffer> {
        self.spare.pop()
    }

    /// On a hashing thread, after its job.
    pub fn put_back(&self, buffer: Buffer) {
        // `spare` has room for every buffer.
        let _ = self.spare.push(buffer);
    }

    /// Once a job is back (on the relay thread), or when it could not be
    /// queued after all.
    pub fn after_job(&self) {
        let mut state = self.state();
        // Saturating: a miscount must not panic the relay, which every
        // login waits on.
        state.jobs = state.jobs.saturating_sub(1);
        state.last_used = Instant::now();
    }

    /// On the relay thread: frees every buffer once they have not been
    /// used for `keep_for`. Answers how long until it should look again,
    /// or `None` when only a job's return (or a mapping) can change that.
    pub fn release_when_idle(&self) -> Option<Duration> {
        let mut state = self.state();
        if state.buffers == 0 || state.jobs > 0 {
            return None;
        }
        let idle = state.last_used.elapsed();
        if idle < self.keep_for {
            return Some(self.keep_for - idle);
        }
        // No job is queued or running, so every buffer is spare.
        let released: Vec<Buffer> = std::iter::from_fn(|| self.spare.pop()).collect();
        state.buffers = state.buffers.saturating_sub(released.len());
        self.report(&state);
        // Unmapped once the lock is free: a caller queueing a hash meanwhile
        // does not wait for it.
        drop(state);
        drop(released);
        None
    }

    /// Buffers allocated, spare or lent.
    #[cfg(test)]
    pub fn buffers(&self) -> usize {
        self.state().buffers
    }

    /// For the operator: memory the hashing threads hold, all of it
    /// resident (the buffers are mapped with their pages in).
    fn report(&self, state: &State) {
        let bytes = state.buffers * self.blocks * std::mem::size_of::<Block>();
        metrics::gauge!("uliga_password_hash_memory_bytes").set(bytes as f64);
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The counts stay consistent whatever panicked while holding it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_made_for_a_job_and_freed_only_once_idle() {
        let memory = Memory::new(2, 4, Duration::from_millis(50));
        assert_eq!(memory.buffers(), 0, "nothing before the first job");
        memory.before_job().unwrap();
        assert_eq!(memory.buffers(), 2);
        let mut buffer = memory.take().expect("a buffer for the job");
        let blocks = buffer.blocks();
        assert_eq!(blocks.len(), 4);
        assert!(
            blocks
                .iter()
                .all(|block| block.as_ref().iter().all(|&word| word == 0)),
            "fresh pages are zero"
        );
        // The last word is the mapping's: writing it does not fault.
        blocks[3].as_mut()[127] = 1;
        assert_eq!(memory.release_when_idle(), None, "a job is out");
        memory.put_back(buffer);
        memory.after_job();
        let wait = memory.release_when_idle().expect("kept for a while");
        assert!(wait <= Duration::from_millis(50));
        assert_eq!(memory.buffers(), 2);
        std::thread::sleep(wait);
        assert_eq!(memory.release_when_idle(), None);
        assert_eq!(memory.buffers(), 0, "freed once idle");
        assert!(memory.take().is_none());
    }

    /// The resident bytes of the mapping that holds `address`, from
    /// /proc/self/smaps.
    fn resident_bytes_at(address: usize) -> Option<usize> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((start, end)) = range.split_once('-')
                && let (Ok(start), Ok(end)) = (
                    usize::from_str_radix(start, 16),
                    usize::from_str_radix(end, 16),
                )
            {
                inside = (start..end).contains(&address);
            } else if inside && let Some(rss) = line.strip_prefix("Rss:") {
                return rss
                    .trim()
                    .trim_end_matches(" kB")
                    .parse::<usize>()
                    .ok()
                    .map(|kb| kb * 1024);
            }
        }
        None
    }

    #[test]
    fn buffers_are_mapped_with_their_pages_in() {
        let blocks = 1024;
        let memory = Memory::new(1, blocks, Duration::from_secs(60));
        memory.before_job().unwrap();
        let mut buffer = memory.take().unwrap();
        let address = buffer.blocks().as_ptr() as usize;
        let resident = resident_bytes_at(address).expect("the buffer's mapping");
        assert!(
            resident >= blocks * std::mem::size_of::<Block>(),
            "{resident} bytes resident: a hashing thread would fault them in"
        );
        memory.put_back(buffer);
    }

    #[test]
    fn buffers_mapped_for_a_job_that_never_came_are_freed_once_idle() {
        let memory = Memory::new(1, 4, Duration::from_millis(50));
        memory.map().unwrap();
        assert!(memory.is_mapped());
        let wait = memory
            .release_when_idle()
            .expect("kept from the mapping on, not freed at once");
        std::thread::sleep(wait);
        assert_eq!(memory.release_when_idle(), None);
        assert!(!memory.is_mapped());
        assert_eq!(memory.buffers(), 0);
    }

    #[test]
    fn a_queued_job_keeps_the_buffers_past_the_idle_time() {
        let memory = Memory::new(1, 4, Duration::ZERO);
        memory.before_job().unwrap();
        memory.before_job().unwrap();
        let buffer = memory.take().expect("a buffer");
        memory.put_back(buffer);
        memory.after_job();
        assert_eq!(memory.release_when_idle(), None);
        assert_eq!(memory.buffers(), 1, "the second job is still queued");
        memory.after_job();
        assert_eq!(memory.release_when_idle(), None);
        assert_eq!(memory.buffers(), 0);
        memory.before_job().unwrap();
        assert_eq!(memory.buffers(), 1, "made again for the next job");
    }
}
