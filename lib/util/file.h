/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_UTIL_FILE_H
#define WGCTL_UTIL_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Replaces `path` with `len` bytes: a new file with `mode` in the same directory is written,
 * synced and renamed over it, and the directory synced, so that a crash at any point leaves the
 * old file or the new one, never a torn one. Returns 0 or -errno; on failure `path` is untouched.
 * The new file is unnamed (O_TMPFILE) until complete: a kill leaves a stray `path.wgctl-tmp.PID.N`
 * only between its link and the rename, and the next write removes it once that PID is gone;
 * files without that marker are never touched. (On file systems without O_TMPFILE a named
 * `path.wgctl-tmp.XXXXXX` is written instead, which a kill can leave.)
 */
int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode);

/* mkdir -p: missing parents with mode `parents`, the last directory with `last`. 0 or -errno. */
int file_mkdirs(const char *path, mode_t parents, mode_t last);

/* Reads a whole regular file of at most `max` bytes into a NUL-terminated buffer. 0 or -errno. */
int file_read_all(const char *path, size_t max, char **out, size_t *out_len);

/*
 * Reads a file that holds a secret into the caller's buffer (which should be locked memory):
 * fills *st with fstat of what was opened and, only if that is a regular file, reads at most
 * `cap` bytes into buf and sets *len. Returns 0 or -errno: -EFBIG when the file holds more than
 * `cap` bytes. A FIFO or device is opened without blocking and never read. No byte of the file
 * is left anywhere but in buf.
 */
int file_read_secret(const char *path, void *buf, size_t cap, size_t *len, struct stat *st);

#endif
