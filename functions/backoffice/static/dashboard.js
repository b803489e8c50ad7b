// The back office dashboard: sign in, then chart the analytics rollup with uPlot (vendored) and
// list the queues. Every number comes from the admin API with the signed-in user's token; the
// page itself is public and holds no data. Text is set with textContent, never as HTML.
(function () {
  "use strict";

  var TOKEN = "plaza.admin.token", DEVICE = "plaza.admin.device", WHO = "plaza.admin.who";
  var LABELS = {
    dau: "Daily active", wau: "Weekly active", mau: "Monthly active", signups: "Sign-ups",
    posts: "Posts", comments: "Comments", likes: "Likes", messages: "Messages",
    conversations: "New conversations", reports: "Reports filed", open_reports: "Open reports",
    peak_connections: "Peak sockets"
  };
  var COLOURS = ["#3b5bdb", "#e8590c", "#2b8a3e", "#ae3ec9", "#c92a2a"];
  var CHARTS = [
    { id: "active", title: "Active users", metrics: ["dau", "wau", "mau"] },
    { id: "content", title: "Posts, comments and likes", metrics: ["posts", "comments", "likes"] },
    { id: "chat", title: "Messages and new conversations", metrics: ["messages", "conversations"] },
    { id: "growth", title: "Sign-ups", metrics: ["signups"] },
    { id: "moderation", title: "Reports filed and open", metrics: ["reports", "open_reports"] },
    { id: "sockets", title: "Peak WebSocket connections", metrics: ["peak_connections"] }
  ];
  var CARDS = ["dau", "wau", "mau", "open_reports", "signups", "posts", "messages", "peak_connections"];
  var DAILY_ONLY = { wau: true, mau: true };
  var granularity = "day";
  var plots = [];

  function $(selector) { return document.querySelector(selector); }
  function store() { return window.sessionStorage; }

  function deviceId() {
    var id = store().getItem(DEVICE);
    if (!id) {
      id = "backoffice-" + (window.crypto.randomUUID ? window.crypto.randomUUID()
        : String(Date.now()) + Math.random().toString(16).slice(2));
      store().setItem(DEVICE, id);
    }
    return id;
  }

  function problemText(body, status) {
    if (body && (body.detail || body.title)) return body.detail || body.title;
    return "HTTP " + status;
  }

  function api(path) {
    return fetch(path, {
      headers: { authorization: "Bearer " + store().getItem(TOKEN), "x-device-id": deviceId() }
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(problemText(body, response.status));
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  function show(state) {
    document.body.dataset.state = state;
    var signedIn = state !== "signed-out";
    $("#sign-in").hidden = signedIn;
    $("#board").hidden = !signedIn;
    $("#controls").hidden = !signedIn;
  }

  function signIn(event) {
    event.preventDefault();
    var form = event.target;
    $("#sign-in-error").textContent = "";
    fetch("/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "x-device-id": deviceId() },
      body: JSON.stringify({ username: form.username.value, password: form.password.value })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(problemText(body, response.status));
        var role = body.user && body.user.role;
        if (role !== "admin" && role !== "moderator") {
          throw new Error("This account is not an admin or moderator.");
        }
        store().setItem(TOKEN, body.access_token);
        store().setItem(WHO, body.user.username + " (" + role + ")");
        form.password.value = "";
        load();
      });
    }).catch(function (error) { $("#sign-in-error").textContent = error.message; });
  }

  function useToken(event) {
    event.preventDefault();
    var form = event.target;
    store().setItem(TOKEN, form.token.value.trim());
    store().setItem(DEVICE, form.device.value.trim());
    store().removeItem(WHO);
    load();
  }

  function signOut() {
    store().removeItem(TOKEN);
    store().removeItem(WHO);
    show("signed-out");
  }

  function latest(values) {
    for (var i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
    return null;
  }

  function renderCards(page) {
    var cards = $("#cards");
    cards.textContent = "";
    CARDS.forEach(function (metric) {
      if (!page.series[metric]) return;
      var card = document.createElement("div");
      card.className = "card";
      card.dataset.metric = metric;
      var label = document.createElement("div");
      label.className = "label";
      label.textContent = LABELS[metric] + (granularity === "day" ? " · latest day" : " · latest hour");
      var value = document.createElement("div");
      value.className = "value";
      var number = latest(page.series[metric]);
      value.textContent = number === null ? "–" : number.toLocaleString("en");
      card.appendChild(label);
      card.appendChild(value);
      cards.appendChild(card);
    });
  }

  function renderCharts(page) {
    plots.forEach(function (plot) { plot.destroy(); });
    plots = [];
    var holder = $("#charts");
    holder.textContent = "";
    var times = page.buckets.map(function (bucket) { return Date.parse(bucket) / 1000; });
    CHARTS.forEach(function (chart) {
      var metrics = chart.metrics.filter(function (metric) { return page.series[metric]; });
      if (!metrics.length) return;
      var box = document.createElement("div");
      box.className = "chart";
      box.dataset.chart = chart.id;
      holder.appendChild(box);
      var points = 0;
      metrics.forEach(function (metric) {
        points += page.series[metric].filter(function (v) { return v !== null; }).length;
      });
      box.dataset.points = String(points);
      var options = {
        title: chart.title,
        width: Math.max(320, box.clientWidth - 20),
        height: 260,
        scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
        series: [{}].concat(metrics.map(function (metric, index) {
          return { label: LABELS[metric], stroke: COLOURS[index % COLOURS.length], width: 2,
                   spanGaps: true, points: { show: true, size: 4 } };
        }))
      };
      var data = [times].concat(metrics.map(function (metric) { return page.series[metric]; }));
      plots.push(new window.uPlot(options, data, box));
    });
  }

  function renderQueues() {
    var body = $("#queues tbody");
    return api("/v1/admin/queues").then(function (page) {
      body.textContent = "";
      $("#queues-note").textContent = "";
      page.items.forEach(function (item) {
        var row = document.createElement("tr");
        row.dataset.queue = item.name;
        [item.name, item.queue.depth, item.queue.in_flight, item.queue.oldest_age_s,
         item.dead_letters.depth].forEach(function (value, index) {
          var cell = document.createElement("td");
          if (index) cell.className = "number";
          cell.textContent = value === null || value === undefined ? "–" : String(value);
          row.appendChild(cell);
        });
        body.appendChild(row);
      });
    }).catch(function (error) {
      body.textContent = "";
      $("#queues-note").textContent = error.status === 403
        ? "Queue depths need the admin role." : "Queues: " + error.message;
    });
  }

  function load() {
    show("loading");
    $("#who").textContent = store().getItem(WHO) || "";
    $("#board-error").textContent = "";
    document.querySelectorAll("[data-granularity]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.granularity === granularity));
    });
    var metrics = Object.keys(LABELS).filter(function (metric) {
      return granularity === "day" || !DAILY_ONLY[metric];
    });
    var analytics = api("/v1/admin/analytics?granularity=" + granularity + "&metrics=" + metrics.join(","))
      .then(function (page) { renderCards(page); renderCharts(page); });
    Promise.all([analytics, renderQueues()]).then(function () {
      show("ready");
    }).catch(function (error) {
      if (error.status === 401) { signOut(); $("#sign-in-error").textContent = "Sign in again: " + error.message; return; }
      show("error");
      $("#board-error").textContent = error.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("#login-form").addEventListener("submit", signIn);
    $("#token-form").addEventListener("submit", useToken);
    $("#sign-out").addEventListener("click", signOut);
    $("#refresh").addEventListener("click", load);
    document.querySelectorAll("[data-granularity]").forEach(function (button) {
      button.addEventListener("click", function () { granularity = button.dataset.granularity; load(); });
    });
    if (store().getItem(TOKEN)) load(); else show("signed-out");
  });
})();
