/*
 * ksm.c - Linux KSM from user space (see ksm.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ksm.h"

#define KSM_DIR	    "/sys/kernel/mm/ksm/"
#define MAX_KNOBS   16
#define MAX_REGIONS 256

struct knob {
	char path[96];
	char saved[64];
	int is_run, is_sharing;
};

/* Written only outside signal handlers; the counts are published last. */
static struct knob knobs[MAX_KNOBS];
static volatile sig_atomic_t nknobs;
static struct {
	void *addr;
	size_t len;
} regions[MAX_REGIONS];
static volatile sig_atomic_t nregions;
static volatile sig_atomic_t restoring;
/* KSM's counters when we started: ksmd must have dropped our pages from
 * its books before max_page_sharing can go back. */
static long long base_shared = -1;
static char failed[256];

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = 0;
	return 0;
}

/* Only async-signal-safe calls: used by ksm_restore(). */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	size_t n = strlen(s);
	ssize_t w = write(fd, s, n);
	int err = w == (ssize_t)n ? 0 : (w < 0 ? -errno : -EIO);
	close(fd);
	return err;
}

static long long number(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	return end == s || errno ? -1 : v;
}

/* The n-th field (from 0) of space-separated numbers, or -1. */
static long long field(const char *s, int n)
{
	while (n-- > 0) {
		s = strchr(s, ' ');
		if (!s)
			return -1;
		s++;
	}
	return number(s);
}

/* A counter read with async-signal-safe calls only. */
static long long read_counter(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	long long v = 0;
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (buf[i] - '0');
	return v;
}

static void add_failure(const char *path)
{
	size_t have = strlen(failed), n = strlen(path);
	if (have + n + 2 < sizeof(failed)) {
		if (have)
			failed[have++] = ' ';
		memcpy(failed + have, path, n + 1);
	}
}

static void restore_knob(const struct knob *k)
{
	if (write_file(k->path, k->saved))
		add_failure(k->path + strlen(KSM_DIR));
}

void ksm_baseline(void)
{
	base_shared = read_counter(KSM_DIR "pages_shared");
}

const char *ksm_restore_failures(void)
{
	return failed;
}

/* Our rmap_items, from /proc/self/ksm_stat, with async-signal-safe calls. */
static long long own_rmap_items(void)
{
	char buf[512];
	int fd = open("/proc/self/ksm_stat", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *p = strstr(buf, "ksm_rmap_items ");
	if (!p)
		return -1;
	long long v = 0;
	for (p += 15; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* KSM was on when we came: let ksmd notice that our regions are gone (at
 * most 5 s), so its counters hold only what others merged. */
static void drain(const struct knob *run)
{
	write_file(run->path, "1");
	for (int i = 0; i < 1000 && own_rmap_items() > 0; i++) {
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
}

pid_t ksm_ksmd_pid(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	pid_t pid = -1;
	struct dirent *de;
	while (pid < 0 && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char path[300], comm[64];
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (!read_file(path, comm, sizeof(comm)) &&
		    strcmp(comm, "ksmd") == 0)
			pid = (pid_t)number(de->d_name);
	}
	closedir(d);
	return pid;
}

int ksm_usable(char *reason, size_t len)
{
	if (access(KSM_DIR "run", F_OK)) {
		snprintf(reason, len, "%srun not present: kernel without KSM",
			 KSM_DIR);
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(reason, len, "not root");
		return -1;
	}
	if (access(KSM_DIR "run", W_OK)) {
		snprintf(reason, len, "%srun not writable: %s", KSM_DIR,
			 strerror(errno));
		return -1;
	}
	if (ksm_ksmd_pid() < 0) {
		snprintf(reason, len, "no ksmd thread found in /proc");
		return -1;
	}
	return 0;
}

int ksm_get_str(const char *knob, char *buf, size_t len)
{
	char path[128], raw[256];
	snprintf(path, sizeof(path), KSM_DIR "%s", knob);
	if (read_file(path, raw, sizeof(raw)))
		return -1;
	const char *lb = strchr(raw, '['), *rb = lb ? strchr(lb, ']') : NULL;
	if (lb && rb) /* a choice: "[none] scan-time" */
		snprintf(buf, len, "%.*s", (int)(rb - lb - 1), lb + 1);
	else
		snprintf(buf, len, "%s", raw);
	return 0;
}

long long ksm_get(const char *knob)
{
	char buf[64];
	if (ksm_get_str(knob, buf, sizeof(buf)))
		return -1;
	char *end;
	long long v = strtoll(buf, &end, 10);
	return end == buf ? -1 : v;
}

int ksm_set(const char *knob, const char *value)
{
	int i;
	char path[96];
	snprintf(path, sizeof(path), KSM_DIR "%s", knob);
	for (i = 0; i < nknobs; i++)
		if (!strcmp(knobs[i].path, path))
			break;
	if (i == nknobs) {
		if (nknobs == MAX_KNOBS)
			return -ENOSPC;
		struct knob *k = &knobs[i];
		snprintf(k->path, sizeof(k->path), "%s", path);
		if (ksm_get_str(knob, k->saved, sizeof(k->saved)))
			return -ENOENT;
		k->is_run = !strcmp(knob, "run");
		k->is_sharing = !strcmp(knob, "max_page_sharing");
		nknobs = i + 1;
	}
	return write_file(path, value);
}

void ksm_track(void *addr, size_t len)
{
	if (nregions == MAX_REGIONS)
		return;
	regions[nregions].addr = addr;
	regions[nregions].len = len;
	nregions = nregions + 1;
}

void ksm_restore(void)
{
	/* Not to be cut short by SIGINT/SIGTERM: they come after. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (restoring) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	restoring = 1;
	int n = nknobs;
	const struct knob *run = NULL, *sharing = NULL;
	for (int i = 0; i < n; i++) {
		if (knobs[i].is_run)
			run = &knobs[i];
		if (knobs[i].is_sharing)
			sharing = &knobs[i];
	}
	int had_regions = nregions > 0;
	for (int i = 0; i < nregions; i++)
		munmap(regions[i].addr, regions[i].len);
	nregions = 0;
	if (run && !strcmp(run->saved, "0") && base_shared == 0) {
		/* KSM was off and nothing was merged when we came: whatever
		 * is merged now (also pages of other processes with
		 * mergeable memory) was merged by our run.  Unmerging all
		 * puts the system back as found, and lets max_page_sharing
		 * change again. */
		write_file(run->path, "2");
	} else if (run && had_regions) {
		drain(run);
	}
	if (run)
		write_file(run->path, "0");
	if (sharing)
		restore_knob(sharing); /* needs no page shared */
	for (int i = 0; i < n; i++)
		if (&knobs[i] != run && &knobs[i] != sharing)
			restore_knob(&knobs[i]);
	if (run)
		restore_knob(run);
	nknobs = 0;
	restoring = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

double ksm_task_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	const char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* p + 2 is field 3 (state); utime is field 14, stime 15 */
	long long ut = field(p + 2, 11), st = field(p + 2, 12);
	if (ut < 0 || st < 0)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double ksm_task_sched_s(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	long long ns = number(buf);
	return ns < 0 ? -1 : (double)ns * 1e-9;
}

long long ksm_self_stat(const char *name)
{
	FILE *f = fopen("/proc/self/ksm_stat", "r");
	if (!f)
		return -1;
	char line[256];
	size_t n = strlen(name);
	long long found = -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ' ')
			found = number(line + n + 1);
	fclose(f);
	return found;
}

long ksm_slab_size(const char *cache, long dflt)
{
	char path[128], buf[32];
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/object_size", cache);
	if (read_file(path, buf, sizeof(buf)))
		return dflt;
	long long v = number(buf);
	return v > 0 ? (long)v : dflt;
}

int ksm_others(pid_t self, long long *rmap_items, char *names, size_t len)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int n = 0;
	size_t used = 0;
	*rmap_items = 0;
	if (len)
		names[0] = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    number(de->d_name) == (long long)self)
			continue;
		char path[300], line[128], comm[64] = "?";
		snprintf(path, sizeof(path), "/proc/%s/ksm_stat", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		long long items = 0;
		int mergeable = 0;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "ksm_rmap_items ", 15) == 0)
				items = number(line + 15);
			if (strncmp(line, "ksm_mergeable: yes", 18) == 0)
				mergeable = 1;
		}
		fclose(f);
		if (!items && !mergeable)
			continue;
		n++;
		*rmap_items += items;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		read_file(path, comm, sizeof(comm));
		if (used + strlen(comm) + 24 < len)
			used += (size_t)snprintf(names + used, len - used,
						 "%s%s[%s]", used ? " " : "",
						 comm, de->d_name);
	}
	closedir(d);
	return n;
}
