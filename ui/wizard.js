// The first-run wizard: the same steps as `bedrock-tray onboard`. The
// backend runs the core's onboarding and reports each step as a "wizard"
// event; this file only shows them and sends the user's answers back.
"use strict";

window.wizard = (() => {
  const { invoke } = window.__TAURI__.core;
  const { listen } = window.__TAURI__.event;
  const $ = (id) => document.getElementById(id);
  let preset = null;

  function show(panel) {
    for (const id of ["wiz-source", "wiz-choices", "wiz-progress"]) $(id).hidden = id !== panel;
  }

  function fail(e) {
    $("wiz-error").textContent = e?.message ?? String(e);
    $("wiz-error").hidden = false;
  }

  function option(value, label) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }

  // Only geographies with a profile for the chosen model can be picked.
  function fillGeographies() {
    const model = preset.models.find((m) => m.key === $("wiz-model").value);
    const current = $("wiz-geo").value || preset.default_geography;
    $("wiz-geo").replaceChildren(
      ...preset.geographies
        .filter((g) => !model || model.geographies.includes(g.key))
        .map((g) => option(g.key, g.name)),
    );
    $("wiz-geo").value = current;
    if (!$("wiz-geo").value && $("wiz-geo").options.length) $("wiz-geo").selectedIndex = 0;
  }

  function loaded(view) {
    preset = view;
    $("wiz-error").hidden = true;
    $("wiz-org").textContent = `${view.organisation}: ${view.start_url} (${view.sso_region})`;
    $("wiz-team-label").hidden = view.teams.length === 0;
    $("wiz-team").replaceChildren(option("", "I'll pick the account after signing in"), ...view.teams.map((t) => option(t, t)));
    $("wiz-profile").value = view.default_profile;
    $("wiz-model").replaceChildren(...view.models.map((m) => option(m.key, m.name)));
    $("wiz-model").value = view.default_model;
    $("wiz-geo").value = "";
    fillGeographies();
    show("wiz-choices");
    $("wiz-profile").focus();
  }

  function addStep(title) {
    const li = document.createElement("li");
    li.append(Object.assign(document.createElement("div"), { textContent: title }));
    $("wiz-steps").append(li);
  }

  function addDetail(line) {
    const li = $("wiz-steps").lastElementChild ?? $("wiz-steps").appendChild(document.createElement("li"));
    li.append(Object.assign(document.createElement("div"), { className: "detail", textContent: line }));
  }

  function chooseRole(roles) {
    $("wiz-roles").replaceChildren(
      ...roles.map((r, i) => {
        const b = Object.assign(document.createElement("button"), { type: "button", textContent: `${r.account_name} (${r.account_id}) as ${r.role_name}` });
        b.dataset.account = r.account_id;
        b.dataset.role = r.role_name;
        b.addEventListener("click", () => {
          $("wiz-roles-box").hidden = true;
          invoke("wizard_choose", { index: i }).catch(fail);
        });
        const li = document.createElement("li");
        li.append(b);
        return li;
      }),
    );
    $("wiz-roles-box").hidden = false;
    $("wiz-roles").querySelector("button")?.focus();
  }

  function finished(summary) {
    $("wiz-code-box").hidden = true;
    $("wiz-result").textContent = summary.probes_passed
      ? `Done: profile ${summary.profile} is selected and Bedrock answers.`
      : `Profile ${summary.profile} is selected. Some checks need attention:`;
    $("wiz-todo").replaceChildren(...summary.to_do.map((t) => Object.assign(document.createElement("li"), { textContent: t })));
    $("wiz-done").hidden = false;
    $("wiz-skip").hidden = true;
    $("wiz-finish").focus();
  }

  function close() {
    $("wizard").hidden = true;
    document.querySelector("main").hidden = false;
    window.scrollTo(0, 0);
  }

  function open(reason) {
    $("wiz-reason").textContent = reason ? `${reason}. This takes about two minutes.` : "";
    $("wiz-error").hidden = true;
    $("wiz-steps").replaceChildren();
    for (const id of ["wiz-code-box", "wiz-roles-box", "wiz-done", "wiz-link-box"]) $(id).hidden = true;
    $("wiz-skip").hidden = false;
    show("wiz-source");
    document.querySelector("main").hidden = true;
    $("wizard").hidden = false;
    $("wiz-file").focus();
    offerManaged();
  }

  // The organisation's own preset comes first when there is one.
  let managed = null;
  async function offerManaged() {
    $("wiz-managed").hidden = true;
    try {
      managed = await invoke("wizard_managed_preset");
    } catch (err) {
      fail(err);
      return;
    }
    if (!managed) return;
    $("wiz-managed-org").textContent = managed.preset.organisation;
    $("wiz-managed-path").textContent = managed.path;
    $("wiz-managed").hidden = false;
    $("wiz-managed-use").focus();
  }
  // Loaded again: another preset may have been picked since.
  $("wiz-managed-use").addEventListener("click", async () => {
    try {
      const again = await invoke("wizard_managed_preset");
      if (again) loaded(again.preset);
    } catch (err) {
      fail(err);
    }
  });
  $("wiz-preset-url-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      loaded(await invoke("wizard_preset_url", { url: $("wiz-preset-url").value, sha256: $("wiz-preset-sha").value || null }));
    } catch (err) {
      fail(err);
    }
  });

  $("wiz-file").addEventListener("change", async (e) => {
    const file = e.target.files?.[0];
    if (!file) return;
    try {
      loaded(await invoke("wizard_preset", { text: await file.text(), file_name: file.name }));
    } catch (err) {
      fail(err);
    }
  });
  $("wiz-url-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      loaded(await invoke("wizard_start_url", { start_url: $("wiz-start-url").value, sso_region: $("wiz-sso-region").value }));
    } catch (err) {
      fail(err);
    }
  });
  $("wiz-model").addEventListener("change", fillGeographies);
  $("wiz-back").addEventListener("click", () => show("wiz-source"));
  $("wiz-choices").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("wiz-error").hidden = true;
    // Events may arrive before the command returns.
    $("wiz-steps").replaceChildren();
    show("wiz-progress");
    try {
      await invoke("wizard_run", {
        team: $("wiz-team").value || null,
        profile: $("wiz-profile").value,
        model: $("wiz-model").value,
        geography: $("wiz-geo").value,
        force: $("wiz-force").checked,
      });
    } catch (err) {
      show("wiz-choices");
      fail(err);
    }
  });
  $("wiz-finish").addEventListener("click", () => {
    close();
    // The dashboard shows the identity and checks the wizard just ran.
    invoke("check_connection");
  });
  $("wiz-skip").addEventListener("click", close);

  listen("wizard", ({ payload: p }) => {
    switch (p.kind) {
      case "step":
        $("wiz-code-box").hidden = true;
        addStep(p.title);
        break;
      case "detail":
        addDetail(p.line);
        break;
      case "code":
        $("wiz-code").textContent = p.user_code;
        $("wiz-link").href = p.url;
        $("wiz-code-box").hidden = false;
        break;
      case "choose":
        chooseRole(p.roles);
        break;
      case "done":
        finished(p.summary);
        break;
      case "failed":
        $("wiz-code-box").hidden = true;
        $("wiz-roles-box").hidden = true;
        fail(p.message);
        show("wiz-choices");
        break;
    }
  });

  // A bedrock-tray://onboard?preset=URL link: shown, loaded only on a click.
  let link = null;
  async function offerLink() {
    let pending;
    try {
      pending = await invoke("wizard_pending_link");
    } catch (err) {
      fail(err);
      return;
    }
    if (!pending) return;
    link = pending;
    open("A link asks to set up this computer");
    $("wiz-link-url").textContent = pending.url;
    $("wiz-link-box").hidden = false;
    $("wiz-link-load").focus();
  }
  $("wiz-link-load").addEventListener("click", async () => {
    $("wiz-link-box").hidden = true;
    try {
      loaded(await invoke("wizard_preset_url", { url: link.url, sha256: link.sha256 }));
    } catch (err) {
      fail(err);
    }
  });
  $("wiz-link-ignore").addEventListener("click", () => {
    link = null;
    $("wiz-link-box").hidden = true;
  });
  listen("deep_link", offerLink);

  return { open, offerLink };
})();
