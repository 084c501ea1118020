"""One desk hosts the clinic on its network (issue 14 §1).

The embedded PostgreSQL is built without TLS and keeps listening on this computer only (a Unix socket, or
127.0.0.1 on Windows). The host desk runs two small TLS listeners on the private addresses of this computer:

- `gate`: the database port (54320). It answers PostgreSQL's SSLRequest, does TLS with the host's certificate
  (`certificate`), refuses a client that does not ask for TLS, reads the startup message and lets through only a
  joined desk's role to the clinic's database, then relays to the local server, where the role signs in with its
  SCRAM password. A source address outside the private ranges (`addresses`) is refused before anything is read.
- `join_listener`: the join port (54321). A computer that shows the admin's one-time join code (`desks`) gets its
  own role and password; `join_client` is the other side. `discovery` announces and finds the host by DNS-SD.

`host.LanHost` runs them in one background thread for as long as the host desk (or `homa-desk lan serve`) runs.
"""

DATABASE_PORT = 54320
JOIN_PORT = 54321
