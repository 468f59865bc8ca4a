// Package rebuild replaces a cache that cannot be trusted (corrupt, built
// from a stream that was recreated, diverged from Turso) with a fresh one,
// and supervises a worker so that such failures are repaired automatically.
//
// A rebuild never touches the live directory until it is complete: it
// builds <dir>.rebuild, marks it COMPLETE, moves the live directory aside
// (<dir>.aside-<unix>-<reason>, kept for inspection within AsideBudget: the
// newest KeepAside, at most DefaultKeepAsideBytes together by default) and
// renames the staging directory into place. A rebuild killed half-way is
// resumed (from the stream: the staging cache keeps its position) or started
// again cleanly (from Turso); an interrupted swap is finished on the next
// start (FinishSwap). INVARIANT 9: the source is Turso or the stream the
// changefeed fills from Turso; nothing is patched by guesswork.
package rebuild
