"use strict";
// The page uses only the public API: GET /v1/model for thresholds, POST /v1/classify for results.
const TOPICS = ["security", "arms_trade", "diplomacy"];
const OUTLOOKS = ["optimistic", "neutral", "pessimistic"];
let thresholds = {};
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "style") node.style.cssText = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error ? `${data.error.code}: ${data.error.message}` : response.statusText);
  return data;
}

function bar(name, value, colour, threshold) {
  const b = el("div", {class: "bar"}, el("div", {class: "fill", style: `width:${(value * 100).toFixed(1)}%;background:${colour}`}));
  if (threshold !== undefined) {
    b.append(el("div", {class: "threshold", style: `left:${(threshold * 100).toFixed(1)}%`, title: `threshold ${threshold}`}));
  }
  return el("div", {class: "bar-row", "data-name": name}, el("span", {class: "bar-name"}, name), b,
    el("span", {class: "bar-value"}, value.toFixed(2)));
}

function chip(name) {
  return el("span", {class: "chip", style: `background:var(--${name})`}, name.replace("_", " "));
}

function renderTopics(result) {
  $("labels").replaceChildren(...(result.labels.length ? result.labels.map(chip) : [el("span", {class: "chip none"}, "no topic")]));
  $("labels").dataset.labels = result.labels.join(",");
  $("topic-bars").replaceChildren(...TOPICS.map((t) => bar(t, result.topics[t], `var(--${t})`, thresholds[t])));
  $("outlook-label").textContent = result.outlook.label;
  $("outlook-label").style.background = `var(--${result.outlook.label})`;
  $("outlook-bars").replaceChildren(...OUTLOOKS.map((o) => bar(o, result.outlook.scores[o], `var(--${o})`)));
  const byTopic = Object.entries(result.outlook_by_topic || {});
  $("by-topic").replaceChildren(...(byTopic.length ? [el("p", {}, "Outlook per topic: ",
    ...byTopic.map(([t, o]) => el("span", {}, `${t.replace("_", " ")}: `, chip(o.label), " ")))] : []));
}

function renderSentences(text, result) {
  const parts = [];
  let at = 0;
  for (const s of result.sentences || []) {
    if (s.start > at) parts.push(text.slice(at, s.start));
    const cls = ["sentence", ...s.labels, `o-${s.outlook.label}`].join(" ");
    const tip = TOPICS.map((t) => `${t} ${s.topics[t].toFixed(2)}`).join(", ") + ` | outlook ${s.outlook.label}`;
    parts.push(el("span", {class: cls, title: tip}, text.slice(s.start, s.end)));
    at = s.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  $("sentences").replaceChildren(...parts);
}

function termTable(part) {
  const rows = part.terms.map((t) => el("tr", {},
    el("td", {title: `feature: ${t.feature}`}, t.term),
    el("td", {class: `c ${t.contribution >= 0 ? "pos" : "neg"}`}, (t.contribution >= 0 ? "+" : "") + t.contribution.toFixed(3))));
  rows.push(el("tr", {}, el("td", {}, el("i", {}, `${part.terms_total - part.terms.length} other terms`)),
    el("td", {class: "c"}, part.other_terms.toFixed(3))));
  rows.push(el("tr", {}, el("td", {}, el("i", {}, "intercept")), el("td", {class: "c"}, part.intercept.toFixed(3))));
  rows.push(el("tr", {}, el("td", {}, el("b", {}, "score")), el("td", {class: "c"}, el("b", {}, part.score.toFixed(3)))));
  return el("table", {class: "terms"}, ...rows);
}

function renderExplanations(result) {
  const ex = result.explanations;
  $("explain-note").textContent = ex.note;
  const parts = Object.entries(ex.topics).map(([t, part]) => el("div", {class: "part", "data-topic": t},
    el("h3", {}, chip(t), " topic"), termTable(part)));
  parts.push(el("div", {class: "part", "data-outlook": ex.outlook.label},
    el("h3", {}, chip(ex.outlook.label), " outlook"), termTable(ex.outlook)));
  if (!Object.keys(ex.topics).length) parts.unshift(el("p", {class: "hint"}, "No topic reached its threshold."));
  $("explain-parts").replaceChildren(...parts);
}

async function classifyText(text) {
  showError("");
  const result = await api("/v1/classify", {text, explain: true, sentences: true});
  renderTopics(result);
  renderSentences(text, result);
  renderExplanations(result);
  $("result").hidden = false;
  $("result").dataset.model = result.model;
  return result;
}

async function onClassify() {
  const text = $("text").value;
  if (!text.trim()) { showError("Paste a text first."); return; }
  $("classify").disabled = true;
  try { await classifyText(text); } catch (e) { showError(e.message); } finally { $("classify").disabled = false; }
}

async function onFile(file) {
  showError("");
  const content = await file.text();
  if (!file.name.endsWith(".jsonl")) { $("text").value = content; return onClassify(); }
  const rows = [];
  content.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try { const row = JSON.parse(line); if (typeof row.text === "string") rows.push({id: row.id ?? `line ${i + 1}`, text: row.text}); }
    catch { /* reported below */ }
  });
  if (!rows.length) { showError("No lines with a \"text\" field in that file."); return; }
  const body = $("batch-rows");
  body.replaceChildren();
  for (let i = 0; i < rows.length; i += 256) {
    const chunk = rows.slice(i, i + 256);
    try {
      const data = await api("/v1/classify", {texts: chunk.map((r) => r.text)});
      data.results.forEach((r, k) => {
        const tr = el("tr", {}, el("td", {}, String(chunk[k].id)), el("td", {}, r.labels.join(", ") || "—"), el("td", {}, r.outlook.label));
        tr.addEventListener("click", () => { $("text").value = chunk[k].text; onClassify(); });
        body.append(tr);
      });
    } catch (e) { showError(e.message); break; }
  }
  $("batch").hidden = false;
}

async function init() {
  try {
    const card = await api("/v1/model");
    thresholds = card.thresholds;
    $("model-version").textContent = `model ${card.version}`;
  } catch (e) { $("model-version").textContent = `no model: ${e.message}`; }
  $("classify").addEventListener("click", onClassify);
  $("file").addEventListener("change", (e) => e.target.files[0] && onFile(e.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) onFile(e.dataTransfer.files[0]); });
  document.body.dataset.ready = "true";
}
init();
