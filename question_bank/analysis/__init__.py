"""Pure computations over data the services have read: no session, no clock, no state."""
