/*
 * Search for built documentation sites (markup from docs/theme/search-box.ts).
 *
 * Runs in the browser as is (no build step) and needs window.MiniSearch, loaded by the script tag
 * before this one. The only request it makes is for the site's own search_index.json (MkDocs'
 * format), and only once someone uses the search box, so pages cost nothing until then and the
 * site works offline. Results are built as DOM nodes with textContent: titles and text from the
 * index are never parsed as HTML. No inline script or style is needed, so a strict CSP is fine.
 */
(function () {
  'use strict';

  var DROPDOWN_PAGES = 8;
  var DROPDOWN_SECTIONS = 3;
  var DEBOUNCE_MS = 60;
  // MiniSearch's own tokenizer: splits on spaces and punctuation.
  var SEPARATOR = /[\n\r\p{Z}\p{P}]+/u;
  // Dropped from queries (not from the index) for sites whose index asks for lunr's stopWordFilter,
  // so that "how do I install" still finds a page without "do" when terms are combined with AND.
  var STOP_WORDS = new Set(
    ('a about an and are as at be but by can do does for from how i if in into is it its of on or so than that the their then ' +
      'there these they this to was we what when where which who why will with you your').split(' '),
  );

  /** One index per URL, loaded at most once and shared by every box on the page. */
  var indexes = new Map();

  function loadIndex(url) {
    var loading = indexes.get(url);
    if (!loading) {
      loading = fetch(url, { credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) throw new Error('HTTP ' + response.status);
          return response.json();
        })
        .then(buildIndex);
      // A failed load may be retried on the next interaction (the network may be back).
      loading.catch(function () {
        indexes.delete(url);
      });
      indexes.set(url, loading);
    }
    return loading;
  }

  function buildIndex(data) {
    if (typeof window.MiniSearch !== 'function') throw new Error('MiniSearch is not loaded');
    if (!data || !Array.isArray(data.docs)) throw new Error('not a search index');
    var docs = [];
    var pages = new Map();
    data.docs.forEach(function (doc) {
      if (!doc || typeof doc.location !== 'string' || typeof doc.title !== 'string' || typeof doc.text !== 'string') return;
      var entry = { id: docs.length, location: doc.location, title: doc.title, text: doc.text, group: typeof doc.group === 'string' ? doc.group : '' };
      docs.push(entry);
      if (entry.location.indexOf('#') < 0) pages.set(entry.location, entry);
    });
    var config = data.config || {};
    var stopWords = Array.isArray(config.pipeline) && config.pipeline.indexOf('stopWordFilter') >= 0 && (!Array.isArray(config.lang) || config.lang.indexOf('en') >= 0);
    var search = new window.MiniSearch({
      fields: ['title', 'text'],
      searchOptions: { boost: { title: 3 }, prefix: true, fuzzy: 0.2, combineWith: 'AND' },
    });
    return search.addAllAsync(docs, { chunkSize: 500 }).then(function () {
      return { search: search, docs: docs, pages: pages, stopWords: stopWords };
    });
  }

  /** The query's words, without stop words, except the last, which may be a word still being typed. */
  function queryTerms(index, query) {
    var words = query.split(SEPARATOR).filter(Boolean);
    if (!index.stopWords) return words;
    return words.filter(function (word, i) {
      return i === words.length - 1 || !STOP_WORDS.has(word.toLowerCase());
    });
  }

  /**
   * Results grouped by page, best first: a page's entry and its sections' entries come together,
   * ranked by the best of them, instead of the same page showing up several times.
   */
  function runSearch(index, query) {
    var terms = queryTerms(index, query);
    if (terms.length === 0) return [];
    var groups = new Map();
    index.search.search(terms.join(' ')).forEach(function (hit) {
      var doc = index.docs[hit.id];
      var hash = doc.location.indexOf('#');
      var page = hash < 0 ? doc.location : doc.location.slice(0, hash);
      var group = groups.get(page);
      if (!group) {
        var pageDoc = index.pages.get(page);
        group = { location: page, title: pageDoc ? pageDoc.title : doc.title, group: doc.group, page: null, sections: [] };
        groups.set(page, group);
      }
      var match = { doc: doc, terms: hit.terms };
      if (hash < 0) group.page = match;
      else group.sections.push(match);
    });
    return Array.from(groups.values()).map(function (group) {
      // A page's text holds its sections' text, so it nearly always matches too; when it does not
      // (or the index has no entry for it), the row shows the page with its best section's terms.
      if (!group.page) group.page = { doc: index.pages.get(group.location) || group.sections[0].doc, terms: group.sections[0].terms };
      return group;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Text: snippets and <mark>ed terms, built as DOM nodes.

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  /** Matches any of the terms at the start of a word, case-insensitively; longest first. */
  function termsRegExp(terms) {
    var parts = terms
      .filter(Boolean)
      .slice()
      .sort(function (a, b) {
        return b.length - a.length;
      })
      .map(escapeRegExp);
    if (parts.length === 0) return null;
    return new RegExp('(?<![\\p{L}\\p{N}])(?:' + parts.join('|') + ')', 'giu');
  }

  /** About `length` characters of text around the first matched term, cut at spaces. */
  function snippet(text, re, length) {
    var first = null;
    if (re) {
      re.lastIndex = 0;
      first = re.exec(text);
    }
    var start = 0;
    if (first && first.index > 40) {
      start = first.index - 40;
      var space = text.indexOf(' ', start);
      if (space >= 0 && space < first.index) start = space + 1;
    }
    var end = Math.min(text.length, start + length);
    if (end < text.length) {
      var lastSpace = text.lastIndexOf(' ', end);
      if (lastSpace > start + length / 2) end = lastSpace;
    }
    return (start > 0 ? '… ' : '') + text.slice(start, end) + (end < text.length ? ' …' : '');
  }

  /** Appends text to parent, with every match of re in a <mark>. */
  function appendMarked(parent, text, re) {
    var last = 0;
    if (re) {
      re.lastIndex = 0;
      for (var m = re.exec(text); m; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
        var mark = document.createElement('mark');
        mark.textContent = m[0];
        parent.appendChild(mark);
        last = m.index + m[0].length;
      }
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** base + location as an absolute URL; null unless it stays on this site's scheme (no javascript: links). */
  function siteUrl(base, location) {
    try {
      var url = new URL(base + location, document.baseURI);
      return url.protocol === window.location.protocol ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  /** A result's content: "Page › Section" (page hidden but spoken when grouped), group label, snippet. */
  function hitContent(parent, opts) {
    var head = el('span', 'sz-search-hit-head');
    if (opts.pageTitle) head.appendChild(el('span', 'sz-search-hit-page', opts.pageTitle + ' › '));
    var title = el('span', 'sz-search-hit-title');
    appendMarked(title, opts.title, opts.re);
    head.appendChild(title);
    if (opts.group) head.appendChild(el('span', 'sz-search-hit-group', opts.group));
    parent.appendChild(head);
    if (opts.text) {
      var text = el('span', 'sz-search-hit-text');
      appendMarked(text, snippet(opts.text, opts.re, opts.length || 160), opts.re);
      parent.appendChild(text);
    }
  }

  /** The rows of a result list: each page, then its sections. */
  function resultRows(groups, base, maxPages, maxSections) {
    var rows = [];
    var truncated = groups.length > maxPages;
    groups.slice(0, maxPages).forEach(function (group) {
      var pageHref = siteUrl(base, group.location);
      if (!pageHref) return;
      var pageRe = termsRegExp(group.page.terms);
      rows.push({ href: pageHref, section: false, title: group.title, group: group.group, text: withoutTitle(group.page.doc.text, group.title), re: pageRe });
      if (group.sections.length > maxSections) truncated = true;
      group.sections.slice(0, maxSections).forEach(function (match) {
        var href = siteUrl(base, match.doc.location);
        if (!href) return;
        rows.push({ href: href, section: true, pageTitle: group.title, title: match.doc.title, text: match.doc.text, re: termsRegExp(match.terms) });
      });
    });
    return { rows: rows, truncated: truncated };
  }

  /** A page's text begins with its h1, usually the title shown just above: the snippet skips it. */
  function withoutTitle(text, title) {
    return title && text.indexOf(title + ' ') === 0 ? text.slice(title.length + 1) : text;
  }

  function resultCount(groups) {
    return groups.length === 1 ? '1 page found' : groups.length + ' pages found';
  }

  // ---------------------------------------------------------------------------------------------
  // The search box: a combobox with a listbox of results under it.

  var boxCount = 0;

  function SearchBox(form) {
    this.form = form;
    this.base = form.getAttribute('data-sz-search-base') || '';
    this.indexUrl = form.getAttribute('data-sz-search-index') || '';
    this.input = form.querySelector('.sz-search-input');
    this.panel = form.querySelector('.sz-search-panel');
    this.message = form.querySelector('.sz-search-message');
    this.list = form.querySelector('.sz-search-results');
    this.live = form.querySelector('.sz-search-live');
    this.options = [];
    this.active = -1;
    this.seq = 0;
    this.timer = 0;
    this.rendered = null;
    // Ids unique on the page even if a page has several boxes.
    this.prefix = 'sz-search-' + ++boxCount;
    this.list.id = this.prefix + '-results';
    this.input.setAttribute('aria-controls', this.list.id);

    var self = this;
    this.input.addEventListener('focus', function () {
      self.prefetch();
      self.reopen();
    });
    this.input.addEventListener('input', function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () {
        self.update();
      }, DEBOUNCE_MS);
    });
    this.input.addEventListener('keydown', function (event) {
      self.onKey(event);
    });
    form.addEventListener('focusout', function (event) {
      if (!event.relatedTarget || !form.contains(event.relatedTarget)) self.close();
    });
    document.addEventListener('pointerdown', function (event) {
      if (!form.contains(event.target)) self.close();
    });
    this.list.addEventListener('pointermove', function (event) {
      var option = event.target.closest && event.target.closest('[role="option"]');
      var i = self.options.indexOf(option);
      if (i >= 0 && i !== self.active) self.setActive(i, false);
    });
  }

  SearchBox.prototype.prefetch = function () {
    if (this.indexUrl) loadIndex(this.indexUrl).catch(function () {});
  };

  /** Shows the results again: as they were if the query has not changed since, else searched anew. */
  SearchBox.prototype.reopen = function () {
    var query = this.input.value.trim();
    if (!query) return;
    if (query !== this.rendered) this.update();
    else if (this.options.length) this.open();
  };

  SearchBox.prototype.isOpen = function () {
    return !this.panel.hidden;
  };

  SearchBox.prototype.open = function () {
    this.panel.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
  };

  SearchBox.prototype.close = function () {
    this.panel.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.setActive(-1, false);
  };

  SearchBox.prototype.say = function (message) {
    this.message.textContent = message;
    this.message.hidden = !message;
  };

  SearchBox.prototype.update = function () {
    var self = this;
    var query = this.input.value.trim();
    var seq = ++this.seq;
    if (!query) {
      this.render([], false, '');
      this.close();
      this.live.textContent = '';
      return;
    }
    if (!this.indexUrl) return this.show('Search is not set up on this site.');
    var pending = setTimeout(function () {
      if (seq === self.seq) self.show('Loading the search index…');
    }, 150);
    loadIndex(this.indexUrl).then(
      function (index) {
        clearTimeout(pending);
        if (seq !== self.seq) return;
        var groups = runSearch(index, query);
        var result = resultRows(groups, self.base, DROPDOWN_PAGES, DROPDOWN_SECTIONS);
        var message = groups.length === 0 ? 'No results for “' + query + '”.' : '';
        self.render(result.rows, result.truncated, query);
        self.rendered = query;
        self.say(message);
        self.live.textContent = groups.length === 0 ? message : resultCount(groups);
        if (document.activeElement === self.input) self.open();
      },
      function () {
        clearTimeout(pending);
        if (seq !== self.seq) return;
        self.show('The search index could not be loaded.');
      },
    );
  };

  /** A message instead of results. */
  SearchBox.prototype.show = function (message) {
    this.render([], false, '');
    this.say(message);
    this.live.textContent = message;
    this.open();
  };

  SearchBox.prototype.render = function (rows, truncated, query) {
    var self = this;
    this.list.replaceChildren();
    this.options = [];
    this.active = -1;
    this.input.removeAttribute('aria-activedescendant');
    rows.forEach(function (row) {
      var option = el('li', 'sz-search-hit' + (row.section ? ' sz-search-hit--section' : ''));
      var link = el('a');
      link.href = row.href;
      // The input keeps focus: the list is navigated with the arrow keys (aria-activedescendant).
      link.tabIndex = -1;
      hitContent(link, { title: row.title, pageTitle: row.section ? row.pageTitle : '', group: row.group, text: row.text, re: row.re, length: 120 });
      option.appendChild(link);
      self.addOption(option);
    });
    if (truncated) {
      var more = el('li', 'sz-search-more');
      var link = el('a', '', 'Show all results');
      link.href = new URL(this.form.action, document.baseURI).href + '?q=' + encodeURIComponent(query);
      link.tabIndex = -1;
      more.appendChild(link);
      this.addOption(more);
    }
    this.list.hidden = this.options.length === 0;
  };

  SearchBox.prototype.addOption = function (option) {
    option.id = this.prefix + '-option-' + this.options.length;
    option.setAttribute('role', 'option');
    option.setAttribute('aria-selected', 'false');
    this.options.push(option);
    this.list.appendChild(option);
  };

  SearchBox.prototype.setActive = function (i, scroll) {
    if (this.active >= 0 && this.options[this.active]) this.options[this.active].setAttribute('aria-selected', 'false');
    this.active = i;
    var option = this.options[i];
    if (!option) {
      this.active = -1;
      this.input.removeAttribute('aria-activedescendant');
      return;
    }
    option.setAttribute('aria-selected', 'true');
    this.input.setAttribute('aria-activedescendant', option.id);
    if (scroll) option.scrollIntoView({ block: 'nearest' });
  };

  SearchBox.prototype.onKey = function (event) {
    if (event.isComposing) return;
    var count = this.options.length;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        if (!this.isOpen()) {
          if (!this.input.value.trim()) return;
          event.preventDefault();
          this.reopen();
          return;
        }
        if (!count) return;
        event.preventDefault();
        var step = event.key === 'ArrowDown' ? 1 : -1;
        var next = this.active < 0 ? (step > 0 ? 0 : count - 1) : (this.active + step + count) % count;
        this.setActive(next, true);
        return;
      }
      case 'Enter': {
        var option = this.isOpen() ? this.options[this.active] : null;
        if (!option) return; // no result chosen: the form goes to the search page
        event.preventDefault();
        window.location.assign(option.querySelector('a').href);
        return;
      }
      case 'Escape':
        if (!this.isOpen()) return; // the browser's own Escape (clearing the field) then applies
        event.preventDefault();
        // Results still on their way must not open the list again.
        clearTimeout(this.timer);
        this.seq++;
        this.close();
        return;
      default:
    }
  };

  // ---------------------------------------------------------------------------------------------
  // The search page: every result for ?q=.

  function SearchPage(section) {
    var source = section.hasAttribute('data-sz-search-index') ? section : document.querySelector('form.sz-search[data-sz-search-index]');
    this.base = source ? source.getAttribute('data-sz-search-base') || '' : '';
    this.indexUrl = source ? source.getAttribute('data-sz-search-index') || '' : '';
    this.input = section.querySelector('.sz-search-page-input');
    this.status = section.querySelector('.sz-search-page-status');
    this.list = section.querySelector('.sz-search-page-results');
    this.seq = 0;
    this.timer = 0;

    var self = this;
    var query = new URLSearchParams(window.location.search).get('q') || '';
    this.input.value = query;
    this.input.addEventListener('focus', function () {
      if (self.indexUrl) loadIndex(self.indexUrl).catch(function () {});
    });
    this.input.addEventListener('input', function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () {
        var url = new URL(window.location.href);
        if (self.input.value) url.searchParams.set('q', self.input.value);
        else url.searchParams.delete('q');
        history.replaceState(history.state, '', url.href);
        self.update();
      }, DEBOUNCE_MS);
    });
    // Arriving with ?q= is the interaction that asks for the index.
    if (query.trim()) this.update();
  }

  SearchPage.prototype.update = function () {
    var self = this;
    var query = this.input.value.trim();
    var seq = ++this.seq;
    this.list.replaceChildren();
    if (!query) {
      this.status.textContent = '';
      return;
    }
    if (!this.indexUrl) {
      this.status.textContent = 'Search is not set up on this site.';
      return;
    }
    this.status.textContent = 'Searching…';
    loadIndex(this.indexUrl).then(
      function (index) {
        if (seq !== self.seq) return;
        var groups = runSearch(index, query);
        self.status.textContent = groups.length === 0 ? 'No results for “' + query + '”.' : resultCount(groups) + ' for “' + query + '”.';
        self.render(resultRows(groups, self.base, Infinity, Infinity).rows);
      },
      function () {
        if (seq !== self.seq) return;
        self.status.textContent = 'The search index could not be loaded.';
      },
    );
  };

  SearchPage.prototype.render = function (rows) {
    var list = this.list;
    var sections = null;
    rows.forEach(function (row) {
      var item = el('li', row.section ? 'sz-search-hit sz-search-hit--section' : 'sz-search-hit');
      var link = el('a');
      link.href = row.href;
      hitContent(link, { title: row.title, pageTitle: row.section ? row.pageTitle : '', group: row.group, text: row.text, re: row.re, length: 240 });
      item.appendChild(link);
      if (!row.section) {
        list.appendChild(item);
        sections = el('ul', 'sz-search-page-sections');
        item.appendChild(sections);
      } else if (sections) {
        sections.appendChild(item);
      }
    });
    list.querySelectorAll('.sz-search-page-sections:empty').forEach(function (empty) {
      empty.remove();
    });
  };

  // ---------------------------------------------------------------------------------------------

  function isEditable(target) {
    if (!target || !(target instanceof Element)) return false;
    return target.isContentEditable || !!target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])');
  }

  /** Sets up the search boxes and search page under root (again after htmx swaps content in). */
  function init(root) {
    root.querySelectorAll('form.sz-search:not([data-sz-search-ready])').forEach(function (form) {
      form.setAttribute('data-sz-search-ready', '');
      if (form.querySelector('.sz-search-input') && form.querySelector('.sz-search-results')) new SearchBox(form);
    });
    root.querySelectorAll('[data-sz-search-page]:not([data-sz-search-ready])').forEach(function (section) {
      section.setAttribute('data-sz-search-ready', '');
      if (section.querySelector('.sz-search-page-input')) new SearchPage(section);
    });
  }

  // "/" jumps to search, unless the user is typing somewhere.
  document.addEventListener('keydown', function (event) {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || isEditable(event.target)) return;
    var input = document.querySelector('.sz-search-page-input') || document.querySelector('.sz-search-input');
    if (!input) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

  document.addEventListener('htmx:load', function (event) {
    if (event.target instanceof Element) init(event.target);
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
