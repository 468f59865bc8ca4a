package changefeed

import (
	"github.com/nats-io/nats.go/micro"

	"github.com/memsync/memsync/protocol"
)

// AddService registers the changefeed as a NATS micro service with a status
// endpoint (memsync.svc.<db>.changefeed.status); stop it with Stop.
func (c *Changefeed) AddService() (micro.Service, error) {
	svc, err := micro.AddService(c.js.Conn(), micro.Config{Name: "memsync-changefeed", Version: "1.0.0",
		Description: "memsync changefeed", Metadata: map[string]string{"db": c.opts.DBName}})
	if err != nil {
		return nil, err
	}
	handler := micro.HandlerFunc(func(req micro.Request) { _ = req.RespondJSON(c.Stats()) })
	return svc, svc.AddEndpoint("status", handler, micro.WithEndpointSubject(protocol.ServiceSubject(c.opts.DBName, "changefeed", "status")))
}
