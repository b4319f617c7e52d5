// The dashboard: renders the snapshot the backend pushes on every change
// (event "snapshot"); never polls. Every control calls the same core
// operation as the tray menu and the CLI.
"use strict";

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;
const $ = (id) => document.getElementById(id);

let snapshot = null;
let catalog = null; // models and geographies: the built-in list merged with what the account last listed

function text(id, value) {
  $(id).textContent = value ?? "–";
}

function fillSelect(select, options, current) {
  const keep = document.activeElement === select;
  select.replaceChildren(
    ...options.map(([value, label, enabled = true]) => {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = label;
      o.disabled = !enabled;
      o.selected = value === current;
      return o;
    }),
  );
  if (keep) select.focus();
}

function countdown() {
  const s = snapshot?.status?.session;
  if (!s || !s.expires_at) {
    text("countdown", s?.reason ?? "");
    return;
  }
  const left = Math.max(0, Math.round((Date.parse(s.expires_at) - Date.now()) / 1000));
  const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), sec = left % 60;
  text("countdown", left === 0 ? "expired" : h > 0 ? `${h} h ${m} min left` : `${m} min ${sec} s left`);
}

function badge(state) {
  const el = $("session-state");
  el.textContent = state.replace("_", " ");
  el.className = "badge " + ({ valid: "ok", expiring: "warn", expired: "err", missing: "err" }[state] ?? "");
}

function render(snap) {
  snapshot = snap;
  const st = snap.status;
  if (!st) {
    text("summary", snap.errors.join("; ") || "settings unreadable");
    return;
  }
  const bedrock = st.provider !== "anthropic";
  // How Claude Code gets in: the profile, the API key (its fingerprint,
  // never the key) or the gateway.
  const access = {
    "bedrock-api-key": `API key ${st.api_key?.name ?? ""} ${st.api_key?.fingerprint ?? "(not in the keyring)"}`
      + (st.api_key && !st.api_key.in_settings ? ": Claude Code reads it from its shell (bedrock-tray status says how)" : ""),
    gateway: `LLM gateway ${st.gateway_url ?? "?"}`,
  }[st.provider] ?? st.profile ?? "no profile";
  // A provider we do not manage (CLAUDE_CODE_USE_MANTLE...) wins over the
  // Anthropic API: name it, and check none of ours.
  const rival = st.rival_provider;
  text("summary", bedrock
    ? `${st.model_name ?? st.model_id ?? "no model"} · ${(st.geography ?? "?").toUpperCase()} · ${access}`
    : rival ? `${rival.label} (Bedrock off)` : "Anthropic API (Bedrock off)");
  text("access", bedrock ? access : "–");
  $("provider").value = rival ? "" : st.provider;
  // A provider without what it needs cannot be chosen here (the CLI sets it up).
  for (const option of $("provider").options) {
    if (option.value === "bedrock-api-key") option.disabled = !(snap.providers?.api_keys?.length);
    if (option.value === "gateway") option.disabled = !snap.providers?.gateway_url;
  }
  // Under the API key or a gateway no profile is in use: say so rather
  // than show the first one as if chosen (picking one goes back to Bedrock
  // with that profile).
  const noProfile = st.provider === "bedrock-api-key" || st.provider === "gateway";
  fillSelect(
    $("profile"),
    [
      ...(noProfile ? [["", "none: not used by this provider", false]] : []),
      ...snap.profiles.map((p) => [p.name, `${p.name} (${p.credentials})`]),
    ],
    noProfile ? "" : st.profile,
  );
  if (catalog) {
    // Disabled: no inference profile in this geography, or (after a
    // check) not offered in this region by ListInferenceProfiles.
    const active = snap.probe?.bedrock?.active?.map((p) => p.id);
    fillSelect(
      $("model"),
      catalog.models.map((m) => {
        const id = st.geography && m.profiles[st.geography];
        if (st.geography && !id) return [m.key, `${m.name} (no ${st.geography.toUpperCase()} profile)`, false];
        if (active && id && !active.includes(id)) return [m.key, `${m.name} (not offered in ${st.region})`, false];
        return [m.key, m.name, true];
      }),
      st.model,
    );
    fillSelect($("geography"), catalog.geographies.map((g) => [g.key, g.name]), st.geography);
  }
  text("region", st.region);
  text("model-id", st.model_id);
  text("small-model-id", st.small_model_id);
  text("settings-path", st.settings_path);
  badge(st.session.state);
  countdown();

  const probe = snap.probe;
  text("account", probe?.identity?.account);
  text("arn", probe?.identity?.arn);
  if (probe) {
    $("probes").replaceChildren(
      ...probe.results.map((r) => {
        const tr = document.createElement("tr");
        const name = document.createElement("td");
        name.textContent = r.name;
        const result = document.createElement("td");
        const mark = document.createElement("span");
        mark.className = r.outcome === "ok" ? "ok" : r.outcome === "failed" ? "err" : "warn";
        mark.textContent = r.outcome === "ok" ? "✓ " + r.summary : r.outcome;
        result.append(mark);
        if (r.fix) {
          const fix = document.createElement("div");
          fix.className = "fix";
          fix.textContent = r.fix;
          result.append(fix);
        }
        const ms = document.createElement("td");
        ms.textContent = r.latency_ms;
        tr.append(name, result, ms);
        return tr;
      }),
    );
  }
  renderCost(snap.spend);
  renderKeys(snap.plaintext_key_profiles ?? []);
  renderProjects(snap.projects ?? []);
  const problems = [...st.problems, ...snap.errors];
  $("problems-box").hidden = problems.length === 0;
  $("problems").replaceChildren(...problems.map((p) => Object.assign(document.createElement("li"), { textContent: p })));
}

const usd = (n) => `$${n.toFixed(2)}`;

function renderCost(spend) {
  if (!spend) return;
  text("cost-today", usd(spend.today_usd));
  text("cost-month", usd(spend.month_usd));
  const bar = $("cost-bar");
  bar.hidden = spend.budget_usd == null;
  if (spend.budget_usd != null) {
    const pct = spend.budget_percent ?? 0;
    text("cost-budget", `${usd(spend.budget_usd)} a month: ${pct.toFixed(0)} % used`);
    $("cost-budget").className = spend.level >= 100 ? "err" : spend.level >= 80 ? "warn" : "";
    bar.value = Math.min(100, pct);
  }
}

function renderProjects(projects) {
  $("projects-box").hidden = projects.length === 0;
  $("projects").replaceChildren(
    ...projects.map((p) => {
      const li = document.createElement("li");
      const dir = Object.assign(document.createElement("span"), { className: "mono", textContent: p.dir });
      const what = [p.model_id, p.region].filter(Boolean).join(" in ") || p.keys.join(", ");
      li.append(dir, document.createTextNode(`: ${what}`));
      return li;
    }),
  );
}

function renderKeys(profiles) {
  $("keys-box").hidden = profiles.length === 0;
  $("keys").replaceChildren(
    ...profiles.map((p) => {
      const b = Object.assign(document.createElement("button"), { type: "button", textContent: `Move ${p}'s key into the keyring` });
      b.dataset.profile = p;
      b.addEventListener("click", async () => {
        try {
          text("keys-result", await invoke("import_keys", { profile: p }));
        } catch (e) {
          text("keys-result", e.message ?? String(e));
        }
      });
      const li = document.createElement("li");
      li.append(b);
      return li;
    }),
  );
}

async function select(change) {
  $("select-error").hidden = true;
  try {
    await invoke("select", change);
  } catch (e) {
    $("select-error").textContent = e.message ?? String(e);
    $("select-error").hidden = false;
  }
}

async function main() {
  catalog = await invoke("get_catalog");
  $("provider").addEventListener("change", (e) => select({ provider: e.target.value }));
  $("profile").addEventListener("change", (e) => select({ profile: e.target.value }));
  $("model").addEventListener("change", (e) => select({ model: e.target.value }));
  $("geography").addEventListener("change", (e) => select({ geography: e.target.value }));
  $("login").addEventListener("click", () => invoke("login"));
  $("check").addEventListener("click", () => invoke("check_connection"));
  $("setup").addEventListener("click", () => window.wizard.open(null));
  await listen("snapshot", async (e) => {
    // A snapshot follows every file change, a refreshed model list too.
    catalog = await invoke("get_catalog");
    render(e.payload);
  });
  await listen("login", (e) => {
    const p = e.payload;
    $("login-box").hidden = !p.user_code;
    if (p.user_code) {
      text("user-code", p.user_code);
      $("login-link").href = p.url;
    }
  });
  render(await invoke("get_snapshot"));
  const setupNeeded = await invoke("wizard_status");
  if (setupNeeded) window.wizard.open(setupNeeded);
  // A link that opened the app (or arrived before this page loaded).
  await window.wizard.offerLink();
  // The countdown ticks locally between snapshots; the state itself only
  // changes through events.
  setInterval(countdown, 1000);
}

main();
