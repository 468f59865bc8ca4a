// Package ops holds the operational surface shared by the long-running
// components: the sync.trigger responder (manual triggers, coalesced while
// work is in progress, answered with a JSON reply when the request has a
// reply subject).
package ops
