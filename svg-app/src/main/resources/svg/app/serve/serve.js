// The page of `svg serve`: reads the model from GET /api/model, sends POST /api/generate asking for server-sent
// events (progress, then the result), shows the images and the equivalent `./svg sample` command. Cancel (or
// leaving the page) closes the connection, which cancels the job on the server.
"use strict";

const $ = (id) => document.getElementById(id);
let model = null;
let running = null; // the AbortController of the request in flight

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").classList.toggle("error", Boolean(isError));
}

function option(value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

async function loadModel() {
  try {
    const res = await fetch("api/model");
    if (!res.ok) throw new Error("GET /api/model answered " + res.status);
    model = await res.json();
  } catch (e) {
    $("model-info").textContent = "cannot load the model: " + e.message;
    return;
  }
  const names = model.classes.length ? model.classes : [...Array(model.num_classes).keys()].map(String);
  names.forEach((name, id) => $("class").append(option(String(id), model.classes.length ? id + ": " + name : name)));
  model.samplers.forEach((s) => $("sampler").append(option(s, s)));
  const d = model.defaults;
  $("n").value = d.n;
  $("n").max = model.limits.max_n;
  $("steps").value = d.steps;
  $("steps").max = model.limits.max_steps;
  $("cfg").value = d.cfg;
  $("cfg_mode").value = d.cfg_mode;
  $("sampler").value = d.sampler;
  if (!model.guidance) {
    $("cfg").value = 1;
    $("cfg").disabled = true;
  }
  $("model-info").textContent = "model " + model.name + ": " + model.num_classes + " classes, " + model.image_size +
    " px; defaults " + d.steps + " " + d.sampler + " steps, cfg " + d.cfg + " (" + d.cfg_mode + "), shift " + d.shift;
  $("generate").disabled = false;
}

function randomSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0] >>> 1; // 0 .. 2^31-1
}

function requestBody() {
  const body = { class: Number($("class").value) };
  for (const f of ["n", "steps", "seed"]) if ($(f).value !== "") body[f] = Number($(f).value);
  if ($("cfg").value !== "") body.cfg = Number($("cfg").value);
  if ($("cfg_mode").value.trim() !== "") body.cfg_mode = $("cfg_mode").value.trim();
  body.sampler = $("sampler").value;
  return body;
}

function showProgress(done, total, text) {
  $("progress").hidden = false;
  $("progress").max = Math.max(1, total);
  $("progress").value = done;
  setStatus(text);
}

function showResult(r) {
  const grid = $("grid");
  grid.replaceChildren();
  r.images.forEach((b64, i) => {
    const src = "data:image/png;base64," + b64;
    const fig = document.createElement("figure");
    const img = document.createElement("img");
    img.src = src;
    img.alt = r.class + " " + i;
    const cap = document.createElement("figcaption");
    const a = document.createElement("a");
    a.href = src;
    a.download = r.class.replace(/[^A-Za-z0-9_-]+/g, "_") + "_seed" + r.seed + "_" + String(i).padStart(3, "0") + ".png";
    a.textContent = "download";
    cap.append("#" + i + " · ", a);
    fig.append(img, cap);
    grid.append(fig);
  });
  $("results-title").textContent = r.images.length + " × " + r.class + ", seed " + r.seed + " (" + r.steps + " " +
    r.sampler + " steps, cfg " + r.cfg + ", " + r.cfg_mode + ") in " + r.seconds.toFixed(2) + " s";
  // one unbreakable span per word: the command wraps between arguments only
  const cmd = $("command");
  cmd.replaceChildren();
  r.command.split(" ").forEach((word, i) => {
    if (i > 0) cmd.append(" ");
    const span = document.createElement("span");
    span.className = "word";
    span.textContent = word;
    cmd.append(span);
  });
  $("results").hidden = false;
}

// Splits a server-sent event stream into events: {event, data}.
function handleEvent(block, on) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue; // keep-alive comment
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  }
  if (data.length) on(name, JSON.parse(data.join("\n")));
}

async function generate(ev) {
  ev.preventDefault();
  if (running) return;
  const controller = new AbortController();
  running = controller;
  $("generate").disabled = true;
  $("cancel").hidden = false;
  showProgress(0, 1, "sending…");
  let result = null;
  let error = null;
  try {
    const res = await fetch("api/generate", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(requestBody()),
      signal: controller.signal,
    });
    if (!res.ok) {
      const e = await res.json().catch(() => ({ error: res.status + " " + res.statusText }));
      const retry = res.headers.get("Retry-After");
      throw new Error(e.error + (retry ? " (Retry-After: " + retry + " s)" : ""));
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        handleEvent(block, (name, data) => {
          if (name === "queued") showProgress(0, 1, data.position > 0 ? "queued: " + data.position + " ahead" : "starting…");
          else if (name === "progress") showProgress(data.done, data.total, (data.phase === "decode" ? "decoding " : "sampling ") + data.done + " / " + data.total);
          else if (name === "result") result = data;
          else if (name === "error") error = data.error;
        });
      }
    }
    if (!result && !error) error = "the server closed the connection without a result";
  } catch (e) {
    error = e.name === "AbortError" ? "cancelled" : e.message;
  } finally {
    running = null;
    $("generate").disabled = false;
    $("cancel").hidden = true;
  }
  if (result) {
    showResult(result);
    $("progress").hidden = true;
    setStatus("done: " + result.images.length + " images in " + result.seconds.toFixed(2) + " s");
  } else {
    $("progress").hidden = true;
    setStatus(error, error !== "cancelled");
  }
}

$("random").addEventListener("click", () => { $("seed").value = randomSeed(); });
$("cancel").addEventListener("click", () => { if (running) running.abort(); });
$("form").addEventListener("submit", generate);
loadModel();
