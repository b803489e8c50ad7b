// The /_local page: renders /_local/api/state and keeps it current from /_local/api/events.
// Every piece of data reaches the DOM through textContent or an attribute, never as HTML.
"use strict";

const STATE_URL = "/_local/api/state";
const EVENTS_URL = "/_local/api/events";
const KINDS = ["invocation", "connection", "queue", "execution", "outbox", "schedule"];
const KNOWN_STATUS = new Set(["routes", "queues", "executions", "connections", "outbox", "schedules"]);
const KEEP = 500;
const FIRST_ROWS = 50;  // invocations shown before "show all", so the other sections stay near

const page = {
  snapshot: null,
  records: Object.fromEntries(KINDS.map((kind) => [kind, new Map()])),  // kind -> seq -> record
  open: new Set(),        // keys of expanded rows
  seenSeq: 0,             // rows newer than this flash once
  renderQueued: false,
  refreshTimer: null,
  drawn: {},              // section -> the inputs it was last drawn from
  openedAt: null,         // when the event stream last opened
  synced: false,          // the snapshot shown was taken with the stream open: nothing missed
  showAll: false,         // every kept invocation, not just the newest FIRST_ROWS
};

// ------------------------------------------------------------------ DOM helpers

function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function $(id) { return document.getElementById(id); }

function fill(tableId, rows) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren(...rows);
  const empty = document.querySelector(`[data-empty="${tableId}"]`);
  if (empty) empty.hidden = rows.length > 0;
  $(tableId).hidden = rows.length === 0;
}

function fillList(listId, items) {
  $(listId).replaceChildren(...items);
  const empty = document.querySelector(`[data-empty="${listId}"]`);
  if (empty) empty.hidden = items.length > 0;
}

function setOptions(selectId, names) {
  // Rebuilt only when the list changes, so a refresh keeps the user's choice.
  const select = $(selectId);
  if (select.dataset.names === JSON.stringify(names)) return;
  select.dataset.names = JSON.stringify(names);
  const chosen = select.value;
  select.replaceChildren(...names.map((name) => h("option", { value: name, text: name })));
  if (names.includes(chosen)) select.value = chosen;
}

function setCount(name, value) {
  const node = document.querySelector(`[data-count="${name}"]`);
  if (node) node.textContent = String(value);
}

function badge(text, tone) { return h("span", { class: `badge ${tone}`, text }); }

function statusBadge(status) {
  const value = String(status || "").toLowerCase();
  if (["ok", "succeeded", "success", "delivered", "connect", "redriven"].includes(value)) return badge(status, "ok");
  if (["error", "failed", "timeout", "timed_out", "aborted", "rejected", "dead-lettered", "poll-error"].includes(value)) return badge(status, "bad");
  if (["running", "pending"].includes(value)) return badge(status, "info");
  return badge(status || "—", "plain");
}

// ------------------------------------------------------------------ formatting

function asDate(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return new Date(value > 1e12 ? value : value * 1000);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function clock(value) {
  const date = asDate(value);
  if (!date) return "—";
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function when(value) {
  const date = asDate(value);
  if (!date) return "—";
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === new Date().toDateString()) return `today ${time}`;
  return `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
}

function ago(value) {
  const date = asDate(value);
  if (!date) return "—";
  const seconds = Math.max(0, (Date.now() - date.getTime()) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

function ms(value) {
  if (typeof value !== "number") return "—";
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${value.toFixed(1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

function short(text, length = 12) {
  const value = String(text ?? "");
  return value.length > length ? `${value.slice(0, length)}…` : value;
}

function pretty(value) {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return JSON.stringify(value, null, 2);
}

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function status(key) {
  const value = page.snapshot && page.snapshot.status ? page.snapshot.status[key] : undefined;
  return Array.isArray(value) ? value : [];
}

function recent(kind) {
  return [...page.records[kind].values()].sort((a, b) => b.seq - a.seq);
}

// ------------------------------------------------------------------ rendering

function lastSeq(kind) {
  let last = 0;
  for (const seq of page.records[kind].keys()) last = Math.max(last, seq);
  return `${page.records[kind].size}:${last}`;
}

// Redraws a section only when what it shows changed: fewer DOM swaps, and a selection in
// the logs survives the live updates.
function memo(name, inputs, draw) {
  const key = JSON.stringify(inputs);
  if (page.drawn[name] === key) return;
  page.drawn[name] = key;
  draw();
}

function render() {
  page.renderQueued = false;
  const snap = page.snapshot;
  if (!snap) return;
  const open = [...page.open].sort();
  const actions = snap.actions || {};
  const invocations = [lastSeq("invocation"), $("invocation-filter").value, $("errors-only").checked, page.showAll];
  renderHeader();
  memo("invocations", [invocations, open.filter((key) => key.startsWith("inv:"))], renderInvocations);
  memo("routes", [snap.http_routes, snap.websocket_routes, snap.endpoints], renderRoutes);
  memo("functions", [snap.functions, lastSeq("invocation")], renderFunctions);
  memo("queues", [status("queues"), lastSeq("queue"), actions], renderQueues);
  // Coarse clock in the inputs: the "12 s ago" labels move on.
  memo("connections", [status("connections"), lastSeq("connection"), Math.floor(Date.now() / 10000)], renderConnections);
  memo("executions", [status("executions"), snap.state_machines, actions, open.filter((key) => key.startsWith("exec:"))], renderExecutions);
  memo("outbox", [lastSeq("outbox"), open.filter((key) => key.startsWith("out:"))], renderOutbox);
  memo("schedules", [status("schedules"), actions], renderSchedules);
  memo("other", [Object.entries(snap.status || {}).filter(([key]) => !KNOWN_STATUS.has(key))], renderOther);
  renderStats();
  // Tests (and curious humans) can tell when the page shows everything up to now.
  document.body.dataset.live = page.synced ? "synced" : "stale";
  page.seenSeq = Math.max(page.seenSeq, ...KINDS.flatMap((kind) => [...page.records[kind].keys()]), 0);
}

function queueRender() {
  if (page.renderQueued) return;
  page.renderQueued = true;
  requestAnimationFrame(render);
}

function renderHeader() {
  const snap = page.snapshot;
  $("environment").textContent = snap.environment || "dev";
  const endpoints = snap.endpoints || {};
  $("endpoints").replaceChildren(
    ...[["HTTP", endpoints.http], ["WebSocket", endpoints.websocket], ["AWS", endpoints.aws]]
      .filter(([, url]) => url)
      .map(([label, url]) => h("span", { class: "endpoint", title: `${label} endpoint` }, h("b", { text: label }), url)),
  );
  $("footer").textContent = `template ${snap.template || ""}`;
  const problems = Object.entries(snap.status_errors || {});
  $("problems").hidden = problems.length === 0;
  $("problems").textContent = problems.map(([key, error]) => `${key}: ${error}`).join(" · ");
}

function renderStats() {
  const invocations = recent("invocation");
  const errors = invocations.filter((item) => item.status !== "ok").length;
  const durations = invocations.filter((item) => !item.cold).map((item) => item.duration_ms);
  const p50 = percentile(durations, 50);
  const cold = invocations.filter((item) => item.cold).length;
  const queued = status("queues").reduce((sum, queue) => sum + (queue.visible || 0) + (queue.in_flight || 0), 0);
  const deadLetters = status("queues").reduce((sum, queue) => sum + (queue.dlq_depth || 0), 0);
  const routes = (page.snapshot.http_routes || []).length + (page.snapshot.websocket_routes || []).length;
  const stat = (label, value, sub, bad) => h("div", { class: "stat" },
    h("div", { class: "label", text: label }), h("div", { class: bad ? "value bad" : "value", text: value }),
    h("div", { class: "sub", text: sub }));
  $("stats").replaceChildren(
    stat("Functions", (page.snapshot.functions || []).length, `${(page.snapshot.functions || []).reduce((s, f) => s + (f.warm || 0), 0)} warm containers`),
    stat("Routes", routes, `${(page.snapshot.http_routes || []).length} HTTP · ${(page.snapshot.websocket_routes || []).length} WebSocket`),
    stat("Invocations", invocations.length, `${cold} cold starts`),
    stat("Errors", errors, errors ? "click a red row for its logs" : "all good", errors > 0),
    stat("Warm p50", p50 === null ? "—" : ms(p50), "recent warm invocations"),
    stat("Connections", status("connections").length, "open WebSockets"),
    stat("Queued", queued, deadLetters ? `${deadLetters} dead letters` : "messages in queues", deadLetters > 0),
  );
}

function toggle(key) {
  if (page.open.has(key)) page.open.delete(key); else page.open.add(key);
  queueRender();
}

function renderInvocations() {
  const filter = $("invocation-filter").value.trim().toLowerCase();
  const errorsOnly = $("errors-only").checked;
  const all = recent("invocation");
  setCount("invocations", all.length);
  const rows = [];
  let shown = 0;
  let hidden = 0;
  for (const item of all) {
    if (errorsOnly && item.status === "ok") continue;
    if (filter && ![item.function, item.source, item.request_id, item.status].some((v) => String(v || "").toLowerCase().includes(filter))) continue;
    if (!page.showAll && shown >= FIRST_ROWS) { hidden += 1; continue; }
    shown += 1;
    const key = `inv:${item.request_id}:${item.seq}`;
    const open = page.open.has(key);
    const classes = ["clickable", open ? "open" : "", item.seq > page.seenSeq && page.seenSeq ? "fresh" : ""].join(" ");
    rows.push(h("tr", { class: classes, "data-function": item.function, "data-status": item.status, onclick: () => toggle(key) },
      h("td", { class: "mono", text: clock(item.started_at || item.at) }),
      h("td", {}, h("strong", { text: item.function })),
      h("td", { class: "muted", text: item.source }),
      h("td", {}, statusBadge(item.status)),
      h("td", {}, item.cold ? badge("cold", "warn") : null),
      h("td", { class: "num", text: ms(item.duration_ms) }),
      h("td", { class: "mono muted", title: item.request_id, text: short(item.request_id, 13) }),
    ));
    if (open) {
      const logs = item.logs && item.logs.length ? item.logs.join("\n") : "(no log lines)";
      rows.push(h("tr", { class: "detail" }, h("td", { colspan: 7 }, h("div", { class: "detail-box" },
        h("div", { class: "detail-meta" },
          h("span", {}, "request id ", h("code", { text: item.request_id })),
          h("span", { text: `started ${asDate(item.started_at)?.toISOString() || "—"}` }),
          h("span", { text: item.cold ? "cold start: a new container imported the handler" : "warm container" })),
        item.error ? h("div", { class: "error-text", text: item.error }) : null,
        h("pre", { class: "logs", text: logs }),
      ))));
    }
  }
  if (hidden || page.showAll) {
    rows.push(h("tr", {}, h("td", { colspan: 7 }, h("button", { class: "secondary", onclick: () => { page.showAll = !page.showAll; queueRender(); } },
      page.showAll ? `Show the newest ${FIRST_ROWS}` : `Show ${hidden} more`))));
  }
  $("invocation-table").tBodies[0].replaceChildren(...rows);
  $("invocation-table").hidden = all.length === 0;
  $("invocations-empty").hidden = all.length > 0;
}

function tryLink(route) {
  const base = page.snapshot.endpoints && page.snapshot.endpoints.http;
  if (!base || route.method !== "GET" || String(route.path).includes("{") || !String(route.path).startsWith("/")) return null;
  const url = new URL(route.path, base);
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return h("a", { href: url.href, target: "_blank", rel: "noopener", text: "open ↗", class: "muted" });
}

function renderRoutes() {
  const http = page.snapshot.http_routes || [];
  const ws = page.snapshot.websocket_routes || [];
  setCount("routes", http.length + ws.length);
  fill("http-routes", http.map((route) => h("tr", { "data-route": route.route },
    h("td", {}, h("span", { class: `method ${route.method}`, text: route.path === "$default" ? "*" : route.method })),
    h("td", { class: "mono" }, route.path, " ", tryLink(route)),
    h("td", { text: route.function }),
    h("td", {}, route.authorizer ? badge(route.authorizer, "info") : h("span", { class: "muted", text: "public" })),
    h("td", { class: "muted", text: route.api }),
  )));
  fill("websocket-routes", ws.map((route) => h("tr", {},
    h("td", {}, h("span", { class: "chip", text: route.route })),
    h("td", { text: route.function || "—" }),
    h("td", {}, route.authorizer ? badge(route.authorizer, "info") : h("span", { class: "muted", text: "—" })),
    h("td", { class: "muted", text: route.two_way ? "two-way" : "" }),
    h("td", { class: "muted", text: `${route.api} · ${route.stage}` }),
  )));
}

function renderFunctions() {
  const functions = page.snapshot.functions || [];
  setCount("functions", functions.length);
  const runs = new Map();
  for (const item of recent("invocation").reverse()) {
    const entry = runs.get(item.function) || { count: 0, last: null };
    entry.count += 1;
    entry.last = item;
    runs.set(item.function, entry);
  }
  fill("function-table", functions.map((fn) => {
    const run = runs.get(fn.logical_id);
    return h("tr", {},
      h("td", {}, h("strong", { text: fn.logical_id }), fn.name && fn.name !== fn.logical_id ? h("div", { class: "muted", text: fn.name }) : null),
      h("td", { class: "mono", text: fn.handler }),
      h("td", { class: "num", text: `${fn.timeout} s` }),
      h("td", { class: "num", text: `${fn.memory} MB` }),
      h("td", { class: "num", title: `${fn.containers || 0} containers running` }, fn.warm ? badge(String(fn.warm), "ok") : h("span", { class: "muted", text: "0" })),
      h("td", { class: "num", text: run ? run.count : 0 }),
      h("td", { class: "num" }, run
        ? badge(ms(run.last.duration_ms), run.last.status === "ok" ? "ok" : "bad")
        : h("span", { class: "muted", text: "—" })),
      h("td", {}, (fn.triggers || []).map((trigger) => h("span", { class: "chip", text: trigger }))),
    );
  }));
}

async function act(button, url, done, payload) {
  button.disabled = true;
  try {
    const response = await fetch(url, { method: "POST", headers: { "x-localcloud-console": "1" }, body: payload });
    const answer = await response.json().catch(() => ({}));
    button.title = response.ok && answer.ok ? "done" : (answer.error || answer.detail || `HTTP ${response.status}`);
    if (done) done(response.ok && answer.ok, button.title);
  } catch (error) {
    button.title = String(error);
  } finally {
    button.disabled = false;
    scheduleRefresh(100);
  }
}

function renderQueues() {
  const queues = status("queues");
  const actions = page.snapshot.actions || {};
  setCount("queues", queues.length);
  const dlqOf = new Map(queues.filter((queue) => queue.dlq).map((queue) => [queue.dlq, queue.name]));
  fill("queue-table", queues.map((queue) => h("tr", {},
    h("td", {}, h("strong", { text: queue.name }), queue.fifo ? [" ", h("span", { class: "chip", text: "FIFO" })] : null,
      dlqOf.has(queue.name) ? h("div", { class: "muted", text: `dead letters of ${dlqOf.get(queue.name)}` }) : null),
    h("td", { class: "num", text: queue.visible ?? "—" }),
    h("td", { class: "num", text: queue.in_flight ?? "—" }),
    h("td", { class: "num", text: queue.delayed ?? "—" }),
    h("td", {}, queue.dlq
      ? [h("span", { class: "mono", text: queue.dlq }), " ",
        queue.dlq_depth ? badge(`${queue.dlq_depth} waiting`, "bad") : badge("empty", "ok"),
        queue.max_receive_count ? h("span", { class: "muted", text: ` after ${queue.max_receive_count} receives ` }) : null,
        queue.dlq_depth && actions.redrive_queue
          ? h("button", { class: "secondary", onclick: (event) => act(event.currentTarget, `/_local/api/queues/${encodeURIComponent(queue.name)}/redrive`) }, "Redrive")
          : null]
      : h("span", { class: "muted", text: dlqOf.has(queue.name) ? "—" : "none" })),
  )));
  setOptions("send-queue", queues.map((queue) => queue.name));
  $("send-form").hidden = !(actions.send_message && queues.length);
  fillList("queue-feed", recent("queue").slice(0, 40).map((item) => h("li", {},
    h("span", { class: "when", text: clock(item.at) }),
    statusBadge(item.action),
    h("span", { class: "mono", text: item.queue || "" }),
    h("span", { class: "muted", text: [item.function, item.messages !== undefined ? `${item.messages} message(s)` : "", (item.failed || []).length ? `${item.failed.length} failed` : "", item.error || ""].filter(Boolean).join(" · ") }),
  )));
}

function renderConnections() {
  const connections = status("connections");
  setCount("connections", connections.length);
  fill("connection-table", connections.map((conn) => h("tr", {},
    h("td", { class: "mono", text: conn.id }),
    h("td", { text: conn.principal_id || "—" }),
    h("td", { title: asDate(conn.connected_at)?.toISOString() || "", text: ago(conn.connected_at) }),
    h("td", { text: ago(conn.last_active_at) }),
    h("td", { class: "muted", title: conn.user_agent || "", text: conn.source_ip || "" }),
  )));
  fillList("connection-feed", recent("connection").slice(0, 40).map((item) => h("li", {},
    h("span", { class: "when", text: clock(item.at) }),
    statusBadge(item.event),
    h("span", { class: "mono", text: item.connection_id || "" }),
    h("span", { class: "muted", text: [item.route, item.status, item.code ? `code ${item.code}` : "", item.reason].filter((v) => v !== undefined && v !== null && v !== "").join(" · ") }),
  )));
}

function renderExecutions() {
  const executions = status("executions");
  const machines = page.snapshot.state_machines || [];
  setCount("executions", executions.length);
  $("machines").replaceChildren(...(machines.length ? [h("div", { class: "machines" }, machines.map((machine) => h("div", { class: "machine" },
    h("strong", { text: machine.logical_id }), " ", h("span", { class: "muted", text: machine.type || "" }),
    h("div", { class: "states" }, (machine.states || []).map((state) => h("span", { class: "chip", text: state }))),
  )))] : []));
  setOptions("start-machine", machines.map((machine) => machine.logical_id));
  $("start-form").hidden = !((page.snapshot.actions || {}).start_execution && machines.length);
  const rows = [];
  for (const run of executions) {
    const key = `exec:${run.arn}`;
    const open = page.open.has(key);
    const history = run.history || [];
    rows.push(h("tr", { class: `clickable ${open ? "open" : ""}`, onclick: () => toggle(key) },
      h("td", { class: "mono", text: clock(run.started_at) }),
      h("td", { text: run.state_machine }),
      h("td", { class: "mono muted", title: run.arn, text: short(run.name, 24) }),
      h("td", {}, statusBadge(run.status)),
      h("td", { class: "num", text: history.filter((event) => String(event.type || "").endsWith("StateEntered")).length }),
      h("td", { class: "mono", text: clock(run.stopped_at) }),
    ));
    if (open) {
      rows.push(h("tr", { class: "detail" }, h("td", { colspan: 6 }, h("div", { class: "detail-box" },
        run.error ? h("div", { class: "error-text", text: `${run.error}: ${run.cause || ""}` }) : null,
        h("ul", { class: "history" }, history.map((event) => h("li", {},
          h("span", { class: "when mono muted", text: clock(event.timestamp) }),
          h("span", { text: event.type }),
          event.state ? h("strong", { text: event.state }) : null,
          event.error ? h("span", { class: "error-text", text: event.error }) : null,
        ))),
        h("div", { class: "detail-meta" }, h("span", { text: "input" })), h("pre", { class: "logs", text: pretty(run.input) }),
        run.output ? [h("div", { class: "detail-meta" }, h("span", { text: "output" })), h("pre", { class: "logs", text: pretty(run.output) })] : null,
      ))));
    }
  }
  fill("execution-table", rows);
}

function renderOutbox() {
  const items = recent("outbox");
  setCount("outbox", items.length);
  const rows = [];
  for (const item of items) {
    const key = `out:${item.seq}`;
    const open = page.open.has(key);
    const to = Array.isArray(item.to) ? item.to.join(", ") : item.to;
    rows.push(h("tr", { class: `clickable ${open ? "open" : ""}`, onclick: () => toggle(key) },
      h("td", { class: "mono", text: clock(item.at) }),
      h("td", {}, badge(item.channel || "email", "plain")),
      h("td", { class: "mono", text: short(to, 48) }),
      h("td", { text: item.subject || item.template || "—" }),
    ));
    if (open) {
      const body = item.body && typeof item.body === "object" ? (item.body.text || item.body.html || pretty(item.body)) : (item.body || pretty(item.template_data));
      // The HTML part in a sandboxed frame: no scripts, no same-origin access to the console.
      const html = item.html ? h("iframe", { class: "mail-html", sandbox: "", srcdoc: item.html, title: "HTML part" }) : null;
      rows.push(h("tr", { class: "detail" }, h("td", { colspan: 4 }, h("div", { class: "detail-box" },
        h("div", { class: "detail-meta" }, h("span", { text: `from ${item.source || item.from || "—"}` }), h("span", { text: `to ${to || "—"}` })),
        h("pre", { class: "logs", text: String(body || "(empty)") }),
        html,
      ))));
    }
  }
  fill("outbox-table", rows);
}

function renderSchedules() {
  const schedules = status("schedules");
  const canRun = (page.snapshot.actions || {}).run_schedule;
  setCount("schedules", schedules.length);
  fill("schedule-table", schedules.map((schedule) => h("tr", {},
    h("td", {}, h("strong", { text: schedule.name }), h("div", { class: "mono muted", text: schedule.expression }),
      schedule.enabled === false ? badge("disabled", "warn") : null),
    h("td", { text: schedule.target || schedule.function || schedule.state_machine || "—" }),
    h("td", { class: "mono", title: schedule.next_run || "", text: schedule.next_run ? when(schedule.next_run) : "—" }),
    h("td", {}, schedule.last_run
      ? [h("span", { class: "mono", title: schedule.last_run, text: when(schedule.last_run) }), " ", statusBadge(schedule.last_status),
        h("div", { class: "muted", text: `${schedule.runs ?? 0} run${schedule.runs === 1 ? "" : "s"} so far` })]
      : h("span", { class: "muted", text: "never" })),
    h("td", {}, canRun ? h("button", { "data-schedule": schedule.name, onclick: (event) => act(event.currentTarget, `/_local/api/schedules/${encodeURIComponent(schedule.name)}/run`) }, "Run now") : null),
  )));
}

function renderOther() {
  const extra = Object.entries((page.snapshot && page.snapshot.status) || {}).filter(([key]) => !KNOWN_STATUS.has(key));
  $("other").hidden = extra.length === 0;
  $("other-body").replaceChildren(...extra.map(([key, value]) => {
    const rows = Array.isArray(value) ? value : [value];
    const columns = [...new Set(rows.flatMap((row) => (row && typeof row === "object" ? Object.keys(row) : ["value"])))].slice(0, 8);
    return h("div", {}, h("h3", { text: key }), h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", { text: column })))),
      h("tbody", {}, rows.slice(0, 100).map((row) => h("tr", {}, columns.map((column) => {
        const cell = row && typeof row === "object" ? row[column] : row;
        return h("td", { class: "mono", text: cell && typeof cell === "object" ? JSON.stringify(cell) : (cell ?? "") });
      })))),
    )));
  }));
}

// ------------------------------------------------------------------ data

function remember(kind, record) {
  const records = page.records[kind];
  if (!records || typeof record.seq !== "number") return;
  records.set(record.seq, record);
  if (records.size > KEEP) records.delete(Math.min(...records.keys()));
}

async function refresh() {
  page.refreshTimer = null;
  const requestedAt = performance.now();
  try {
    const response = await fetch(STATE_URL, { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const snapshot = await response.json();
    page.snapshot = snapshot;
    page.synced = page.synced || (page.openedAt !== null && requestedAt >= page.openedAt);
    for (const kind of KINDS) for (const record of (snapshot.recent || {})[kind] || []) remember(kind, record);
    queueRender();
  } catch (error) {
    setLive("off", "cloud unreachable");
  }
}

function scheduleRefresh(delay = 400) {
  if (page.refreshTimer) return;
  page.refreshTimer = setTimeout(refresh, delay);
}

function setLive(state, text) {
  $("live").className = `live ${state}`;
  $("live-text").textContent = text;
}

function connect() {
  const source = new EventSource(EVENTS_URL);
  source.onopen = () => {
    page.openedAt = performance.now();
    setLive("on", "live");
    refresh();
  };
  source.onerror = () => {
    page.openedAt = null;
    page.synced = false;
    setLive("off", "reconnecting…");
  };
  for (const kind of KINDS) {
    source.addEventListener(kind, (event) => {
      remember(kind, JSON.parse(event.data));
      queueRender();
      // Depths, warm containers and execution histories live in the snapshot.
      if (kind !== "invocation" || !page.snapshot) scheduleRefresh();
      else scheduleRefresh(1500);
    });
  }
}

function wireForm(formId, resultId, url, bodyOf, describe) {
  $(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    const button = $(formId).querySelector("button");
    const result = $(resultId);
    act(button, url(), (ok, message) => {
      result.className = ok ? "form-result" : "form-result bad";
      result.textContent = ok ? describe() : message;
    }, bodyOf());
  });
}

function init() {
  wireForm("send-form", "send-result",
    () => `/_local/api/queues/${encodeURIComponent($("send-queue").value)}/send`,
    () => $("send-body").value, () => `sent to ${$("send-queue").value}`);
  wireForm("start-form", "start-result",
    () => `/_local/api/state-machines/${encodeURIComponent($("start-machine").value)}/start`,
    () => $("start-input").value, () => `started ${$("start-machine").value}`);
  $("invocation-filter").addEventListener("input", queueRender);
  $("errors-only").addEventListener("change", queueRender);
  refresh();
  connect();
  // Queue depths change without an event (a handler's SendMessage), so poll gently too.
  setInterval(() => { if (!document.hidden) scheduleRefresh(0); }, 5000);
  setInterval(() => { if (!document.hidden) queueRender(); }, 10000);  // "12 s ago" labels
}

document.addEventListener("DOMContentLoaded", init);
