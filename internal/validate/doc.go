// Package validate compares a cache with Turso (Turso wins, INVARIANT 6).
//
// It streams both sides in id order (a merge join through iter.Pull), so it
// never loads every row into memory; only the ids of the expected episode
// window are held. A difference is "stale" when Turso recorded a change for
// the entity above the cache's applied checkpoint (the cache has not caught up
// yet) and "diverged" otherwise (the cache is wrong about something it claims
// to have applied).
package validate
