// SPDX-License-Identifier: MIT
/*
 * AEAD work deferred to a batch, when the io can spread it over threads (dp_io_ops.parallel).
 * Everything that orders packets happened when a job was queued (send counters) or happens when
 * the batch is finished, in queue order (replay windows, session confirmation, the tunnel
 * write); only the seal or open in between runs in parallel and in any order. Jobs hold key
 * copies, so the arrays live in locked memory and are wiped as they run.
 *
 * A sealing job's datagram already sits in the io's send queue, in plaintext, marked PENDING:
 * the io holds it back until the batch has run and this file, on the device's thread, marks it
 * SEALED or DEAD. Nothing else sets those states.
 */
#include <errno.h>
#include <string.h>

#include "datapath/device_impl.h"
#include "util/mem.h"
#include "util/secmem.h"

int dp_pending_init(struct dp_device *dev)
{
	if (!dev->ops->parallel)
		return 0;
	dev->tx_jobs = secmem_calloc(DP_PENDING_MAX, sizeof(*dev->tx_jobs));
	dev->rx_jobs = secmem_calloc(DP_PENDING_MAX, sizeof(*dev->rx_jobs));
	if (!dev->tx_jobs || !dev->rx_jobs) {
		dp_pending_free(dev);
		return -ENOMEM;
	}
	return 0;
}

void dp_pending_free(struct dp_device *dev)
{
	/* Never sealed: the plaintext in the io's buffers goes, and the io drops those entries. */
	for (size_t i = 0; i < dev->tx_n; ++i) {
		memzero_explicit(dev->tx_jobs[i].job.dst,
				 dev->tx_jobs[i].job.len + NOISE_AUTHTAG_LEN);
		*dev->tx_jobs[i].state = DP_TX_DEAD;
	}
	secmem_free(dev->tx_jobs);
	secmem_free(dev->rx_jobs);
	dev->tx_jobs = NULL;
	dev->rx_jobs = NULL;
	dev->tx_n = dev->rx_n = 0;
}

static void run_tx(void *ctx, size_t i)
{
	noise_crypt_job_run(&((struct dp_tx_pending *)ctx)[i].job);
}

static void run_rx(void *ctx, size_t i)
{
	noise_crypt_job_run(&((struct dp_rx_pending *)ctx)[i].job);
}

struct dp_tx_pending *dp_tx_job(struct dp_device *dev)
{
	if (!dev->tx_jobs)
		return NULL;
	if (dev->tx_n == DP_PENDING_MAX)
		dp_device_seal_pending(dev);
	return &dev->tx_jobs[dev->tx_n];
}

void dp_tx_job_queued(struct dp_device *dev)
{
	++dev->tx_n;
}

struct dp_rx_pending *dp_rx_job(struct dp_device *dev, const struct dp_time *t)
{
	if (!dev->rx_jobs)
		return NULL;
	if (dev->rx_n == DP_PENDING_MAX)
		dp_device_receive_pending(dev, t);
	return &dev->rx_jobs[dev->rx_n];
}

void dp_rx_job_queued(struct dp_device *dev)
{
	++dev->rx_n;
}

void dp_device_seal_pending(struct dp_device *dev)
{
	size_t n = dev->tx_n;

	if (!n)
		return;
	dev->tx_n = 0;
	dev->ops->parallel(dev->io_arg, run_tx, dev->tx_jobs, n);
	/* The batch is done: only now may the io send these. A failed seal zeroed its datagram. */
	for (size_t i = 0; i < n; ++i) {
		struct dp_tx_pending *p = &dev->tx_jobs[i];

		if (p->job.ret < 0)
			++dev->stats.tx_crypto_failed;
		*p->state = p->job.ret < 0 ? DP_TX_DEAD : DP_TX_SEALED;
	}
}

void dp_pending_run(struct dp_device *dev, const struct dp_time *t)
{
	dp_device_receive_pending(dev, t);
	dp_device_seal_pending(dev);
}

void dp_device_receive_pending(struct dp_device *dev, const struct dp_time *t)
{
	size_t n = dev->rx_n;

	if (!n)
		return;
	(dev->ops->parallel_rx ? dev->ops->parallel_rx : dev->ops->parallel)(dev->io_arg, run_rx,
									     dev->rx_jobs, n);
	/* Finishing may queue more (replies, staged packets): those belong to a later batch. */
	dev->rx_n = 0;
	for (size_t i = 0; i < n; ++i)
		dp_receive_finish(dev, &dev->rx_jobs[i], t);
	memzero_explicit(dev->rx_jobs, n * sizeof(*dev->rx_jobs));
}
