// The query page's editor and result tables, written for this project (no library, no CDN).
// - SPARQL highlighting: a <pre> drawn under a transparent <textarea>, re-coloured on input.
// - "Add prefixes": puts the project's PREFIX lines (from data-prefixes) above the query.
// - Sortable result tables: a click on a column heading sorts by it, again to reverse.
(function () {
  "use strict";

  var KEYWORDS = new Set(("BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED GRAPH " +
    "OPTIONAL UNION MINUS FILTER BIND VALUES SERVICE SILENT GROUP BY HAVING ORDER ASC DESC " +
    "LIMIT OFFSET DISTINCT REDUCED AS NOT EXISTS IN UNDEF COUNT SUM MIN MAX AVG SAMPLE " +
    "GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL " +
    "FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS " +
    "STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID " +
    "MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK " +
    "ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE A TRUE FALSE").split(" "));

  // One pass over the text; each token keeps its exact characters, so the coloured copy
  // lines up with the textarea character for character.
  var TOKEN = new RegExp([
    "(#[^\\n]*)",                                              // 1 comment
    "('''[\\s\\S]*?'''|\"\"\"[\\s\\S]*?\"\"\"|'(?:[^'\\\\\\n]|\\\\.)*'|\"(?:[^\"\\\\\\n]|\\\\.)*\")", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                               // 3 IRI
    "([?$][\\w\\u00b7\\u0300-\\u036f\\u203f\\u2040]+)",         // 4 variable
    "((?:[A-Za-z][\\w.-]*)?:[\\w.%-]*)",                       // 5 prefixed name
    "(@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",                          // 6 language tag
    "(\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?\\b)",              // 7 number
    "([A-Za-z_]\\w*)"                                          // 8 word
  ].join("|"), "g");

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(text) {
    var out = "";
    var last = 0;
    text.replace(TOKEN, function (match, comment, string, iri, variable, pname, lang, number,
                                  word, offset) {
      out += escapeHtml(text.slice(last, offset));
      var kind = comment ? "comment" : string ? "string" : iri ? "iri" : variable ? "var" :
        pname ? "pname" : lang ? "lang" : number ? "number" :
        KEYWORDS.has(word.toUpperCase()) ? "keyword" : null;
      out += kind ? '<span class="tok-' + kind + '">' + escapeHtml(match) + "</span>"
        : escapeHtml(match);
      last = offset + match.length;
      return match;
    });
    // A trailing newline needs a character after it, or the <pre> is one line short.
    return out + escapeHtml(text.slice(last)) + "\n";
  }

  function setUpEditor(textarea) {
    var wrap = document.createElement("div");
    wrap.className = "sparql-editor";
    var pre = document.createElement("pre");
    pre.className = "sparql-highlight";
    pre.setAttribute("aria-hidden", "true");
    textarea.parentNode.insertBefore(wrap, textarea);
    wrap.appendChild(pre);
    wrap.appendChild(textarea);
    textarea.classList.add("sparql-input");
    function redraw() {
      pre.innerHTML = highlight(textarea.value);
      pre.scrollTop = textarea.scrollTop;
      pre.scrollLeft = textarea.scrollLeft;
    }
    textarea.addEventListener("input", redraw);
    textarea.addEventListener("scroll", redraw);
    redraw();

    var prefixes = textarea.getAttribute("data-prefixes");
    var button = document.querySelector("[data-add-prefixes]");
    if (prefixes && button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var missing = prefixes.split("\n").filter(function (line) {
          var name = line.split(/\s+/)[1];
          return line && textarea.value.indexOf("PREFIX " + name) < 0;
        });
        textarea.value = missing.join("\n") + (missing.length ? "\n" : "") + textarea.value;
        redraw();
        textarea.focus();
      });
    }
  }

  function cellKey(cell) {
    var text = (cell.getAttribute("data-sort") || cell.textContent).trim();
    var number = Number(text);
    return text !== "" && !isNaN(number) ? number : text.toLowerCase();
  }

  function setUpSorting(table) {
    var headings = table.querySelectorAll("thead th");
    headings.forEach(function (th, column) {
      th.classList.add("sortable");
      th.setAttribute("tabindex", "0");
      th.setAttribute("aria-sort", "none");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headings.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellKey(a.cells[column] || a.insertCell());
          var y = cellKey(b.cells[column] || b.insertCell());
          var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0)
            : (typeof x === "number" ? -1 : 1);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var textarea = document.querySelector("textarea[name=query]");
    if (textarea) { setUpEditor(textarea); }
    document.querySelectorAll("table.results").forEach(setUpSorting);
  });
})();
