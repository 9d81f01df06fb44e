/*
 * ksm.h - Linux KSM from user space: its sysfs knobs and counters, ksmd's
 * CPU time, and putting every knob back the way it was found.
 *
 * Every knob is saved the first time it is written and restored by
 * ksm_restore(), which uses only open/write/close/munmap and so may run
 * from a signal handler.  Regions handed to ksm_track() are unmapped
 * before the knobs go back: max_page_sharing can only be changed while no
 * page is shared.
 */
#ifndef SPM_BENCH_KSM_H
#define SPM_BENCH_KSM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* 0 if KSM can be driven (root, /sys/kernel/mm/ksm, a ksmd thread), else
 * -1 with the reason. */
int ksm_usable(char *reason, size_t len);
pid_t ksm_ksmd_pid(void);

/* A knob's value as text (the word in brackets for a choice such as
 * advisor_mode), or -1 if it does not exist. */
int ksm_get_str(const char *knob, char *buf, size_t len);
/* A counter or numeric knob, or -1. */
long long ksm_get(const char *knob);
/* Writes a knob, saving its old value first.  0, or -errno. */
int ksm_set(const char *knob, const char *value);

/* Record KSM's counters before our pages are merged. */
void ksm_baseline(void);
/* Unmap tracked regions; then, if KSM was off and nothing was merged at
 * the baseline, unmerge everything (run=2: all that is merged now was
 * merged by us); if KSM was on, let ksmd drop our pages (at most 5 s).
 * Then restore every knob written, run last. */
void ksm_track(void *addr, size_t len);
void ksm_restore(void);
/* Knobs that could not be restored, separated by spaces ("" if none). */
const char *ksm_restore_failures(void);

/* Other processes with mergeable memory (ksmd scans them too): their
 * number, their rmap_items in total and "comm[pid] ..." in names. */
int ksm_others(pid_t self, long long *rmap_items, char *names, size_t len);

/* CPU seconds of a task: utime+stime from /proc/<pid>/stat, and the
 * scheduler's nanosecond sum from /proc/<pid>/schedstat; -1 on error. */
double ksm_task_cpu_s(pid_t pid);
double ksm_task_sched_s(pid_t pid);

/* A counter of /proc/self/ksm_stat (e.g. "ksm_rmap_items"), or -1. */
long long ksm_self_stat(const char *name);
/* Object size of a KSM slab cache (e.g. "ksm_rmap_item"), or `dflt`. */
long ksm_slab_size(const char *cache, long dflt);

#endif
