// <attention-svm-playground>: the playground as one tag. Load this script from where the playground is
// served and write, e.g.
//   <script src="https://example.org/playground/attention-svm-playground.js" defer></script>
//   <attention-svm-playground preset="tfsvm-w" views="heatmap,corr" controls="min" height="480">
//   </attention-svm-playground>
// Every attribute other than src, width, height, title, class, id, style and the state attribute is passed
// to the frame as a URL parameter of the page (preset, views, controls, autoplay, exercise, lr, opt, …;
// see web/src/state.ts); `state="lr=0.5&opt=gd"` adds a whole query; `hide="lr,opt"` hides controls.
// Without a height the frame follows its content's height (the frame's `resize` events). Methods play(),
// pause(), step(n), reset(), setState(query) and getState() speak the frame's postMessage API (v1).
(function () {
  'use strict';
  if (typeof customElements === 'undefined' || customElements.get('attention-svm-playground')) return;
  var script = document.currentScript;
  var BASE = script && script.src ? new URL('./', script.src).href : new URL('./', location.href).href;
  var SOURCE = 'attention-svm-playground';
  var OWN = ['src', 'width', 'height', 'title', 'class', 'id', 'style', 'state', 'hide', 'loading'];
  var nextId = 1;

  class AttentionSvmPlayground extends HTMLElement {
    constructor() {
      super();
      this._frame = null;
      this._pending = new Map();
      this._onMessage = this._onMessage.bind(this);
    }

    /** The frame's URL from the attributes. */
    get frameUrl() {
      var src = this.getAttribute('src') || BASE + 'index.html';
      var url = new URL(src, location.href);
      var params = new URLSearchParams(this.getAttribute('state') || '');
      params.set('embed', '1');
      for (var i = 0; i < this.attributes.length; ++i) {
        var a = this.attributes[i];
        if (OWN.indexOf(a.name) < 0 && a.name.indexOf('data-') !== 0 && a.name.indexOf('aria-') !== 0) params.set(a.name, a.value);
      }
      (this.getAttribute('hide') || '').split(',').forEach(function (name) {
        if (name.trim()) params.set(name.trim() + '_hide', '1');
      });
      url.search = params.toString();
      return url.href;
    }

    connectedCallback() {
      if (!this.style.display) this.style.display = 'block';
      window.addEventListener('message', this._onMessage);
      this._render();
    }

    disconnectedCallback() {
      window.removeEventListener('message', this._onMessage);
    }

    attributeChangedCallback() {
      if (this._frame) this._render();
    }

    static get observedAttributes() {
      return ['src', 'state', 'preset', 'views', 'controls', 'autoplay', 'exercise', 'hide', 'width', 'height', 'title'];
    }

    _render() {
      var frame = this._frame || document.createElement('iframe');
      frame.setAttribute('loading', 'lazy');
      frame.setAttribute('title', this.getAttribute('title') || 'Attention SVM Playground');
      frame.style.border = '0';
      frame.style.width = this.getAttribute('width') ? this.getAttribute('width') + 'px' : '100%';
      frame.style.maxWidth = '100%';
      frame.style.height = (this.getAttribute('height') || '560') + 'px';
      var url = this.frameUrl;
      if (frame.getAttribute('src') !== url) frame.setAttribute('src', url);
      if (!this._frame) {
        this._frame = frame;
        this.appendChild(frame);
      }
    }

    _onMessage(event) {
      if (!this._frame || event.source !== this._frame.contentWindow) return;
      var data = event.data;
      if (!data || data.source !== SOURCE || data.version !== 1) return;
      if (data.type === 'resize' && !this.hasAttribute('height') && typeof data.height === 'number')
        this._frame.style.height = Math.max(100, Math.min(10000, data.height)) + 'px';
      if (data.id !== undefined && this._pending.has(data.id)) {
        this._pending.get(data.id)(data);
        this._pending.delete(data.id);
      }
      this.dispatchEvent(new CustomEvent('playground-' + data.type, { detail: data }));
    }

    _send(type, body) {
      var frame = this._frame;
      var self = this;
      return new Promise(function (resolve) {
        if (!frame || !frame.contentWindow) return resolve(null);
        var id = 'el' + nextId++;
        self._pending.set(id, resolve);
        var message = Object.assign({ source: SOURCE, version: 1, type: type, id: id }, body || {});
        frame.contentWindow.postMessage(message, new URL(frame.src).origin);
      });
    }

    play() {
      return this._send('play');
    }
    pause() {
      return this._send('pause');
    }
    step(count) {
      return this._send('step', { count: count || 1 });
    }
    reset() {
      return this._send('reset');
    }
    getState() {
      return this._send('getState');
    }
    setState(state, replace) {
      return this._send('setState', { state: state, replace: !!replace });
    }
  }

  customElements.define('attention-svm-playground', AttentionSvmPlayground);
})();
