/*
 * server_sys.h - what the server core needs from the system, on the host:
 * windows are simulated-MMU spaces, IPC gates a table whose entries a
 * test can kill (a client dropping its last capability).
 */
#ifndef SPM_HOST_SERVER_SYS_H
#define SPM_HOST_SERVER_SYS_H

#include <stdint.h>

#include "core.h"

#define MAX_GATES 4096

struct host_sys {
	uint64_t label[MAX_GATES];
	int alive[MAX_GATES];
	unsigned ngates;
	unsigned gate_fail; /* the next n gate_new calls fail */
	/* region maps' foreign dataspaces */
	unsigned foreign_live;	   /* claimed and not yet freed */
	unsigned long foreign_new; /* claimed in all */
	unsigned long foreign_maps;
	int foreign_map_fail; /* the foreign server does not answer */
	uint64_t last_foreign_map[3]; /* cap, ds offset, local address */
	/* labels whose queued requests were redirected (the last few) */
	uint64_t forgotten[16];
	unsigned long nforgotten;
};

void host_sys_ops(struct host_sys *h, struct spmm_sys *sys);
/* The label of the gate a create reply's capability names. */
uint64_t host_sys_label_of(const struct host_sys *h, uint64_t cap);
/* The last capability to the gate goes away. */
void host_sys_kill(struct host_sys *h, uint64_t cap);

#endif
