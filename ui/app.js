// The dashboard: renders the latest state the backend pushes (one event per
// snapshot, no polling) and calls the app's commands. No framework.
"use strict";

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;
const $ = (id) => document.getElementById(id);

let latest = null;   // the last DashboardState
let expiresAt = null; // Date of the selected session's expiry

function text(id, value) { $(id).textContent = value ?? "–"; }

function fillSelect(select, options, current, placeholder) {
  // Rebuilding the options while the user has the list open would close it.
  if (document.activeElement === select && select.dataset.current === (current ?? "")) return;
  select.replaceChildren();
  if (current == null) {
    const o = new Option(placeholder, "", true, true);
    o.disabled = true;
    select.add(o);
  }
  for (const { value, label, disabled } of options) {
    const o = new Option(label, value, false, value === current);
    o.disabled = !!disabled;
    select.add(o);
  }
  select.dataset.current = current ?? "";
}

function pad(n) { return String(n).padStart(2, "0"); }

function renderCountdown() {
  const el = $("countdown");
  const status = latest?.snapshot?.status;
  el.className = "countdown";
  if (!status) { el.textContent = "–"; return; }
  const s = status.session;
  if (s.state === "not_sso") { el.textContent = "Not an SSO profile"; return; }
  if (s.state === "missing" || !expiresAt) {
    el.textContent = "Not signed in";
    el.classList.add("error");
    return;
  }
  const left = Math.floor((expiresAt.getTime() - Date.now()) / 1000);
  if (left <= 0) {
    el.textContent = "Expired";
    el.classList.add("error");
  } else {
    const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), sec = left % 60;
    el.textContent = `${h > 0 ? h + ":" : ""}${pad(m)}:${pad(sec)} left`;
    if (left < 15 * 60) el.classList.add("warning");
  }
  el.setAttribute("aria-label", `session: ${el.textContent}`);
}

function overall(status, errors) {
  if (!status) return ["error", errors[0] ?? "settings.json unreadable"];
  if (status.provider === "anthropic") return ["ok", "Using the Anthropic API"];
  const s = status.session;
  const left = expiresAt ? (expiresAt.getTime() - Date.now()) / 1000 : null;
  if (s.state === "expired" || (left !== null && left <= 0)) return ["error", "Session expired: log in"];
  if (s.state === "missing") return ["error", "Not signed in: log in"];
  if (s.state === "expiring" || (left !== null && left < 900)) return ["warning", "Session expiring soon"];
  if (status.problems.length) return ["warning", status.problems[0]];
  return ["ok", "Signed in and switched"];
}

function render(state) {
  latest = state;
  const snap = state.snapshot;
  const status = snap.status;
  expiresAt = status?.session?.expires_at ? new Date(status.session.expires_at) : null;

  const [kind, line] = overall(status, snap.errors);
  $("state").className = `state ${kind}`;
  $("state").textContent = line;

  text("provider", status ? (status.provider === "bedrock" ? "Amazon Bedrock" : "Anthropic API") : null);
  text("region", status?.region);
  text("model-name", status?.model_name ?? (status?.model_id ? "not in the catalog" : null));
  text("model-id", status?.model_id);
  text("small-model-id", status?.small_model_id);
  if (status?.identity) text("identity", `${status.identity.account} · ${status.identity.arn}`);

  const geo = status?.geography ?? null;
  fillSelect($("model"), state.models.map((m) => ({
    value: m.key,
    label: geo && !m.geographies.includes(geo) ? `${m.name} (not in ${geo.toUpperCase()})` : m.name,
    disabled: geo && !m.geographies.includes(geo),
  })), status?.model ?? null, status?.model_id ? "Custom model" : "Choose a model");
  const model = state.models.find((m) => m.key === status?.model);
  fillSelect($("geography"), state.geographies.map((g) => ({
    value: g.key,
    label: `${g.name} (${g.key.toUpperCase()})`,
    disabled: model && !model.geographies.includes(g.key),
  })), geo, "Choose a geography");
  fillSelect($("profile"), snap.profiles.map((p) => ({
    value: p.name,
    label: p.session.state === "expired" ? `${p.name} (expired)` : p.name,
  })), status?.profile ?? null, snap.profiles.length ? "Choose a profile" : "No profiles: run bedrock-tray onboard");

  const list = $("problems");
  list.replaceChildren();
  const items = [...snap.errors, ...(status?.problems ?? [])];
  for (const probe of status?.probes ?? []) {
    const li = document.createElement("li");
    li.className = probe.ok ? "ok" : "fail";
    li.textContent = `${probe.name}${probe.latency_ms != null ? ` (${probe.latency_ms} ms)` : ""}${probe.fix ? `: ${probe.fix}` : ""}`;
    list.append(li);
  }
  for (const p of items) {
    const li = document.createElement("li");
    li.className = "fail";
    li.textContent = p;
    list.append(li);
  }
  if (!list.children.length) {
    const li = document.createElement("li");
    li.className = "ok";
    li.textContent = "No problems found";
    list.append(li);
  }
  $("login").disabled = !status || status.provider !== "bedrock" || !status.profile;
  renderCountdown();
}

function showError(e) {
  const el = $("error");
  el.textContent = e?.message ?? String(e);
  el.hidden = false;
}

async function call(command, args) {
  $("error").hidden = true;
  try {
    await invoke(command, args);
  } catch (e) {
    showError(e);
  }
}

for (const [id, key] of [["model", "model"], ["geography", "geography"], ["profile", "profile"]]) {
  $(id).addEventListener("change", (ev) => {
    const value = ev.target.value;
    if (value) call("use_selection", { [key]: value });
  });
}
$("login").addEventListener("click", () => call("log_in"));
$("check").addEventListener("click", () => call("check_now"));

listen("snapshot", (ev) => render(ev.payload));
listen("login", (ev) => {
  const { user_code, verification_uri_complete } = ev.payload;
  $("user-code").textContent = user_code;
  const link = $("verify-link");
  link.textContent = verification_uri_complete;
  link.href = verification_uri_complete;
  $("login-prompt").hidden = false;
});
invoke("dashboard_state").then(render, showError);
// The countdown ticks locally between snapshots; no file or backend read.
setInterval(renderCountdown, 1000);
