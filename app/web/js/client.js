// The WebSocket client of PROTOCOL.md section 3: requests answered by id, pushes handed to the
// listeners of their topic, and a connection that comes back by itself after a restart or a
// network loss, subscribing again to what the screens listen to.

const backoff_ms = [250, 500, 1000, 2000, 4000, 8000];

export class Client extends EventTarget {
  constructor() {
    super();
    this.state = "idle";  // idle, connecting, online, offline, signed_out
    this.next_id = 1;
    this.pending = new Map();  // id -> {resolve, reject}
    this.topics = new Map();   // topic -> Set of handlers
    this.failures = 0;
    this.socket = null;
    this.timer = null;
  }

  // Opens the socket (with the session cookie) once /api/session says the cookie is signed in;
  // else the state is signed_out (the login shows). A server that cannot be reached is tried
  // again, sooner first.
  async connect() {
    clearTimeout(this.timer);
    this.set_state("connecting");
    const signed_in = await session_status();
    if (signed_in === false) return this.set_state("signed_out");
    if (signed_in === null) return this.retry();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws`);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.failures = 0;
      this.set_state("online");
      const topics = [...this.topics.keys()];
      if (topics.length) this.send("subscribe", {topics}).catch(() => {});
      this.dispatchEvent(new Event("reconnected"));
    };
    socket.onmessage = (e) => this.receive(e.data);
    socket.onclose = async () => {
      if (this.socket !== socket) return;
      this.socket = null;
      for (const {reject} of this.pending.values()) {
        reject({code: "disconnected", message: "the connection was lost"});
      }
      this.pending.clear();
      if (this.state === "signed_out") return;
      if (!opened && (await session_status()) === false) return this.set_state("signed_out");
      this.retry();
    };
  }

  retry() {
    this.set_state("offline");
    const wait = backoff_ms[Math.min(this.failures++, backoff_ms.length - 1)];
    this.timer = setTimeout(() => this.connect(), wait * (0.75 + Math.random() / 2));
  }

  close() {
    this.set_state("signed_out");
    clearTimeout(this.timer);
    if (this.socket) this.socket.close();
  }

  set_state(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", {detail: state}));
  }

  // A request: resolves with its result, rejects with its error ({code, message, ...}).
  call(op, args = {}) {
    return this.send(op, args);
  }

  send(op, args) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject({code: "disconnected", message: "not connected"});
    }
    const id = this.next_id++;
    this.socket.send(JSON.stringify({id, op, args}));
    return new Promise((resolve, reject) => this.pending.set(id, {resolve, reject}));
  }

  receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.push !== undefined) {
      // A batch of one topic's pushes comes as one frame: each is handled as if alone, in order
      // (schema/protocol.md "Pushes that scale").
      const pushes = frame.type === "batch" ?
          frame.data.pushes.map((p) => ({push: frame.push, ...p})) :
          [frame];
      for (const push of pushes) {
        for (const handler of this.topics.get(frame.push) || []) handler(push);
      }
      return;
    }
    const waiting = this.pending.get(frame.id);
    if (!waiting) return;
    this.pending.delete(frame.id);
    if (frame.ok)
      waiting.resolve(frame.result);
    else
      waiting.reject(frame.error);
  }

  // What a screen follows: a topic's pushes, and `again` after every reconnection (what it shows
  // may have changed meanwhile). Returns what stops both.
  follow(topic, on_push, again) {
    const stop = this.listen(topic, on_push);
    this.addEventListener("reconnected", again);
    return () => {
      stop();
      this.removeEventListener("reconnected", again);
    };
  }

  // Listens to a topic's pushes; returns what stops listening. The first listener subscribes,
  // the last one to leave unsubscribes.
  listen(topic, handler) {
    let handlers = this.topics.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.topics.set(topic, handlers);
      if (this.state === "online") this.send("subscribe", {topics: [topic]}).catch(() => {});
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size || this.topics.get(topic) !== handlers) return;
      this.topics.delete(topic);
      if (this.state === "online") this.send("unsubscribe", {topics: [topic]}).catch(() => {});
    };
  }
}

// true or false, or null when the server cannot be reached.
async function session_status() {
  try {
    const response = await fetch("/api/session", {cache: "no-store"});
    if (!response.ok) return null;
    return (await response.json()).signed_in === true;
  } catch {
    return null;
  }
}
