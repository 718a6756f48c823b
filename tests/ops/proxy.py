"""A TCP proxy between the portal and Postgres that can play a Postgres restart.

The Postgres server is shared (other suites run on it), so the tests do not restart it.
What the portal sees of a restart is only this: every open connection is closed under
it, new connections are refused for a while, then connections are accepted again. The
proxy does exactly that to the connections that pass through it (`down()`, `up()`), and
can also lose one transaction's COMMIT on the way (`lose_next_order_commit`): before it
reaches the server (the order is not written) or after (written, but the portal never
hears so), the two cases a connection lost at commit time can be.

To see the order's INSERT the proxy reads the messages of Postgres's protocol, not the bytes
of each chunk: a message can come in two chunks, and psycopg prepares a statement run five
times on one connection, after which its executions carry the statement's name, not its text.
"""
import socket
import threading

ORDER_INSERT = b'INSERT INTO "order"'
COMMIT = b"COMMIT"
# Requests a client may send before its startup message, each answered by one byte.
ENCRYPTION_REQUESTS = {80877103, 80877104}  # SSLRequest, GSSENCRequest


class Frontend:
    """The messages a client sends, split from the chunks they arrive in."""

    def __init__(self):
        self.pending = b""
        self.started = False  # past the startup message, which has no type byte

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        """The (type, body) of every message that `data` completes."""
        self.pending += data
        messages = []
        while True:
            head = 5 if self.started else 4
            if len(self.pending) < head:
                return messages
            length = int.from_bytes(self.pending[head - 4:head], "big") + head - 4
            if len(self.pending) < length:
                return messages
            message, self.pending = self.pending[:length], self.pending[length:]
            if self.started:
                messages.append((message[:1], message[5:]))
            else:
                self.started = int.from_bytes(message[4:8], "big") not in ENCRYPTION_REQUESTS


class Link:
    """One proxied connection: the portal's socket and the one to Postgres."""

    def __init__(self, client: socket.socket, server: socket.socket):
        self.client, self.server = client, server
        self.sent = Frontend()
        self.order_statements: set[bytes] = set()  # names of the prepared order INSERTs
        self.wrote_order = False
        self.lose_reply = False

    def sends(self, data: bytes) -> tuple[bool, bool]:
        """Whether `data` runs the order's INSERT, and whether it sends a COMMIT."""
        inserts = commits = False
        for kind, body in self.sent.feed(data):
            if kind == b"Q":  # a query without parameters
                commits |= body.startswith(COMMIT)
                inserts |= body.startswith(ORDER_INSERT)
            elif kind == b"P":  # Parse: the statement's name, then its text
                name, text = body.split(b"\0", 2)[:2]
                commits |= text.startswith(COMMIT)
                if text.startswith(ORDER_INSERT):
                    self.order_statements.add(name)
                else:
                    self.order_statements.discard(name)  # the unnamed statement, parsed again
            elif kind == b"B":  # Bind: the portal's name, then the statement's
                inserts |= body.split(b"\0", 2)[1] in self.order_statements
        return inserts, commits

    def close(self) -> None:
        for end in (self.client, self.server):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the other side closed it first
            end.close()


class PostgresProxy:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self.links: set[Link] = set()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.accepting: threading.Thread | None = None
        self.lost_commit: str | None = None  # "before" or "after": how the next order's COMMIT is lost
        self.up()

    def up(self) -> None:
        """Accept connections again (on the same port)."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self.listener = listener
        self.accepting = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self.accepting.start()

    def down(self) -> None:
        """Refuse new connections and close every open one, as a stopping Postgres does."""
        with self.lock:
            listener, self.listener = self.listener, None
            links, self.links = self.links, set()
        if listener is not None:  # not down already
            listener.close()
            # The accept thread's wait holds the socket open until it wakes (0.1 s at most);
            # then the port is free for up().
            self.accepting.join()
        for link in links:
            link.close()

    def lose_next_order_commit(self, when: str) -> None:
        self.lost_commit = when

    def _accept(self, listener: socket.socket) -> None:
        while self.listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by down()
            client.settimeout(None)
            link = Link(client, socket.create_connection(self.target))
            with self.lock:
                if self.listener is not listener:  # down() came while this one connected
                    link.close()
                    return
                self.links.add(link)
            threading.Thread(target=self._pump, args=(link, link.client, link.server, self._to_server),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(link, link.server, link.client, self._to_client),
                             daemon=True).start()

    def _pump(self, link: Link, source: socket.socket, sink: socket.socket, inspect) -> None:
        try:
            while (data := source.recv(65536)) and inspect(link, data):
                sink.sendall(data)
        except OSError:
            pass  # closed by down() or by the other pump
        with self.lock:
            self.links.discard(link)
        link.close()

    def _to_server(self, link: Link, data: bytes) -> bool:
        """False: the connection is lost here, before `data` reaches Postgres."""
        inserts, commits = link.sends(data)
        if self.lost_commit and inserts:
            link.wrote_order = True
        if link.wrote_order and commits:
            when, self.lost_commit, link.wrote_order = self.lost_commit, None, False
            if when == "before":
                return False
            link.lose_reply = True
        return True

    def _to_client(self, link: Link, data: bytes) -> bool:
        """False: the connection is lost here, before the portal hears the answer."""
        return not link.lose_reply
