// Search in the static export of the guidance (`portal freeze`): runs in the browser, no server.
// The same rules as portal/guidance/search.py: å/ä → a, ö → o, é → e for matching; a query word of
// three letters or more also matches inside longer words ("möte" finds "nätverksmöte"); BM25 with
// the heading weighted higher. The index comes from search-index.js (works from a file share,
// where browsers block fetch()) or else search-index.json.
(function () {
  "use strict";

  var SPECIAL = { "æ": "a", "ø": "o", "ß": "s", "đ": "d", "ł": "l", "œ": "o", "ı": "i" };
  var MARK = /\p{M}/u;
  var WORD = /[\p{L}\p{N}]+/gu;
  var foldCache = Object.create(null);

  function foldChar(c) {
    var cached = foldCache[c];
    if (cached !== undefined) { return cached; }
    var lower = c.toLowerCase();
    if (lower.length !== 1) { lower = c; }
    var folded = SPECIAL[lower];
    if (folded === undefined) {
      var d = lower.normalize("NFKD");
      folded = d.length ? d[0] : lower;
      if (MARK.test(folded)) { folded = lower; }
    }
    foldCache[c] = folded;
    return folded;
  }

  // One character out per character in: offsets in the folded text are offsets in the original.
  function fold(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) { out += foldChar(text[i]); }
    return out;
  }

  function tokens(text) {
    var folded = fold(text), result = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(folded)) !== null) { result.push([m[0], m.index, m.index + m[0].length]); }
    return result;
  }

  function queryWords(query, stop) {
    var found = [];
    tokens(query.slice(0, 200)).forEach(function (t) { if (found.indexOf(t[0]) < 0) { found.push(t[0]); } });
    var kept = found.filter(function (w) { return !stop[w]; });
    if (!kept.length) { return { words: found.slice(0, 10), ignored: [] }; }
    return { words: kept.slice(0, 10), ignored: found.filter(function (w) { return stop[w]; }) };
  }

  function matchWeight(word, token, W) {
    if (token === word) { return W.exact; }
    if (word.length < W.minPartial) { return 0; }
    if (token.indexOf(word) === 0) { return W.prefix; }
    if (token.indexOf(word) > 0) { return W.inside; }
    return 0;
  }

  function Search(index) {
    this.index = index;
    this.W = index.weights;
    this.vocabulary = Object.keys(index.postings).sort();
    this.stop = Object.create(null);
    var stop = this.stop;
    index.stopWords.forEach(function (w) { stop[w] = true; });
  }

  Search.prototype.scores = function (word) {
    var W = this.W, index = this.index, weighted = new Map(), self = this;
    this.vocabulary.forEach(function (token) {
      var weight = matchWeight(word, token, W);
      if (!weight) { return; }
      index.postings[token].forEach(function (p) {
        var acc = weighted.get(p[0]);
        if (!acc) { acc = [0, 0]; weighted.set(p[0], acc); }
        acc[0] += weight * p[1];
        acc[1] += weight * p[2];
      });
    });
    var n = index.docs.length, df = weighted.size, scores = new Map();
    var idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    weighted.forEach(function (acc, doc) {
      var len = index.docs[doc].l;
      var tf = W.heading * acc[0] / (1 - W.b + W.b * len[0] / index.avg[0]) +
               W.body * acc[1] / (1 - W.b + W.b * len[1] / index.avg[1]);
      scores.set(doc, idf * tf * (W.k1 + 1) / (tf + W.k1));
    });
    void self;
    return scores;
  };

  Search.prototype.search = function (query) {
    var q = queryWords(query, this.stop), self = this;
    var result = { words: q.words, ignored: q.ignored, hits: [], allWords: true };
    if (!q.words.length) { return result; }
    var perWord = q.words.map(function (w) { return self.scores(w); });
    var candidates = [];
    perWord[0].forEach(function (_, doc) {
      if (perWord.every(function (s) { return s.has(doc); })) { candidates.push(doc); }
    });
    if (!candidates.length) {
      result.allWords = false;
      var seen = new Set();
      perWord.forEach(function (s) { s.forEach(function (_, doc) { seen.add(doc); }); });
      candidates = Array.from(seen);
    }
    var total = function (doc) {
      var sum = 0;
      perWord.forEach(function (s) { sum += s.get(doc) || 0; });
      return sum;
    };
    result.total = candidates.length;
    // What the query names exactly (a term, an abbreviation, a heading) comes first, then by score.
    var asked = q.words.join(" "), docs = this.index.docs;
    var named = function (doc) { return (docs[doc].n || []).indexOf(asked) >= 0 ? 0 : 1; };
    candidates.sort(function (a, b) { return (named(a) - named(b)) || (total(b) - total(a)) || (a - b); });
    result.hits = candidates.slice(0, 50).map(function (doc) {
      return { doc: self.index.docs[doc], score: total(doc) };
    });
    return result;
  };

  // Text with the matching words in <mark>, built as DOM nodes (never as HTML).
  function appendMarked(parent, text, words, W, start, end) {
    var toks = tokens(text);
    if (!toks.length) { parent.appendChild(document.createTextNode(text)); return; }
    var from = start === undefined ? 0 : start, to = end === undefined ? toks.length : end;
    var pos = from === 0 && start === undefined ? 0 : toks[from][1];
    for (var i = from; i < to; i++) {
      var t = toks[i];
      var hit = words.some(function (w) { return matchWeight(w, t[0], W) > 0; });
      if (!hit) { continue; }
      parent.appendChild(document.createTextNode(text.slice(pos, t[1])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(t[1], t[2]);
      parent.appendChild(mark);
      pos = t[2];
    }
    var stop = end === undefined ? text.length : toks[to - 1][2];
    parent.appendChild(document.createTextNode(text.slice(pos, stop)));
  }

  function appendSnippet(parent, text, words, W) {
    var toks = tokens(text), size = 32, best = 0, bestCount = -1;
    if (!toks.length) { return; }
    var matched = toks.map(function (t) {
      return words.filter(function (w) { return matchWeight(w, t[0], W) > 0; });
    });
    for (var i = 0; i < toks.length; i++) {
      if (!matched[i].length) { continue; }
      var found = new Set();
      for (var j = i; j < Math.min(i + size, toks.length); j++) { matched[j].forEach(function (w) { found.add(w); }); }
      if (found.size > bestCount) { best = i; bestCount = found.size; if (bestCount === words.length) { break; } }
    }
    var start = bestCount >= 0 ? Math.max(0, best - 6) : 0;
    var end = Math.min(toks.length, start + size);
    start = Math.max(0, Math.min(start, end - size));
    if (start > 0) { parent.appendChild(document.createTextNode("… ")); }
    appendMarked(parent, text, words, W, start, end);
    parent.appendChild(document.createTextNode(end < toks.length ? " …" : text.slice(toks[toks.length - 1][2])));
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function render(area, search, query) {
    area.textContent = "";
    if (!query.trim()) {
      var empty = el("div", "notice");
      empty.appendChild(el("p", "", "Skriv ett eller flera ord i sökrutan, till exempel ”samordnare”, ”vårdnadshavare” eller ”möte”."));
      area.appendChild(empty);
      return;
    }
    var result = search.search(query), W = search.W, kinds = search.index.kinds;
    var title = el("h2", "", result.hits.length ?
      result.total + (result.total === 1 ? " träff" : " träffar") + " för ”" + query + "”" :
      "Inga träffar för ”" + query + "”");
    title.id = "sokresultat-rubrik";
    title.setAttribute("tabindex", "-1");
    area.appendChild(title);
    document.title = "Sökresultat för ”" + query + "” – Samverkansportalen";
    if (!result.hits.length) {
      area.appendChild(el("p", "", "Kontrollera stavningen, sök på en del av ordet (till exempel ”möte”) eller använd färre ord."));
      return;
    }
    if (result.total > result.hits.length) {
      area.appendChild(el("p", "", "Här visas de " + result.hits.length + " bästa. Skriv fler ord för att få färre träffar."));
    }
    if (!result.allWords) {
      var note = el("div", "notice notice--info");
      note.appendChild(el("p", "", "Ingen träff innehöll alla orden. Här visas träffar som innehåller något av dem."));
      area.appendChild(note);
    }
    var list = el("ol", "search-results");
    result.hits.forEach(function (hit) {
      var d = hit.doc, item = el("li", "search-result");
      var h = el("h3", "search-result__title"), a = el("a");
      a.href = d.u;
      appendMarked(a, d.h, result.words, W);
      h.appendChild(a);
      item.appendChild(h);
      var where = kinds[d.k] + (d.k === "guideline" ? ": " + d.t + (d.p.length ? ", under rubriken ”" + d.p.join(" › ") + "”" : "")
        : (d.p.length ? ": " + d.p.join(" › ") : ""));
      item.appendChild(el("p", "search-result__where", where));
      var snip = el("p", "search-result__snippet");
      appendSnippet(snip, d.x, result.words, W);
      item.appendChild(snip);
      list.appendChild(item);
    });
    area.appendChild(list);
  }

  function start(area, index) {
    var search = new Search(index);
    var query = new URLSearchParams(window.location.search).get("q");
    var input = document.querySelector("form[role='search'] input[name='q']");
    if (query === null) { return; }
    if (input) { input.value = query; }
    render(area, search, query);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var area = document.querySelector("[data-search-results]");
    if (!area) { return; }
    area.setAttribute("aria-live", "polite");
    if (window.GUIDANCE_SEARCH_INDEX) { start(area, window.GUIDANCE_SEARCH_INDEX); return; }
    fetch(area.getAttribute("data-index-url")).then(function (r) { return r.json(); }).then(function (index) {
      start(area, index);
    }).catch(function () {
      area.textContent = "";
      area.appendChild(el("p", "", "Sökindexet kunde inte läsas. Använd listan med riktlinjer eller ordlistan."));
    });
  });

  // For tests and reuse: window.GuidanceSearch.search(index, "möte").
  window.GuidanceSearch = { fold: fold, search: function (index, q) { return new Search(index).search(q); } };
})();
