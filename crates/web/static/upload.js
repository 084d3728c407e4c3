// Upload progress per file on a dossier's files page. Without this script (or without
// JavaScript) the form posts as usual; with it, each chosen file is sent in its own request,
// in turn, under a progress bar, and the page reloads when all are in. A refusal shows the
// server's page, with its message, as a plain post would.
'use strict';
document.querySelectorAll('form[data-progress]').forEach((form) => {
  form.addEventListener('submit', (ev) => {
    const input = form.querySelector('input[type="file"]');
    if (!input || input.files.length === 0 || !window.FormData) return;
    ev.preventDefault();
    const files = Array.from(input.files);
    const list = document.createElement('ul');
    list.className = 'progress';
    list.setAttribute('aria-live', 'polite');
    const bars = files.map((f) => {
      const li = document.createElement('li');
      const bar = document.createElement('progress');
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute('aria-label', `Đang tải lên ${f.name}`);
      li.append(`${f.name} `, bar);
      list.append(li);
      return bar;
    });
    form.append(list);
    form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    const show = (html) => {
      const doc = new DOMParser().parseFromString(html, 'text/html');
      document.replaceChild(document.adoptNode(doc.documentElement), document.documentElement);
    };
    const send = (i) => {
      if (i === files.length) {
        window.location.reload();
        return;
      }
      const data = new FormData();
      form.querySelectorAll('input[type="hidden"]').forEach((h) => data.append(h.name, h.value));
      data.append(input.name, files[i], files[i].name);
      const x = new XMLHttpRequest();
      x.open('POST', form.action);
      x.upload.onprogress = (e) => {
        if (e.lengthComputable) bars[i].value = Math.round((e.loaded * 100) / e.total);
      };
      x.onload = () => {
        if (x.status >= 400) {
          show(x.responseText);
          return;
        }
        bars[i].value = 100;
        send(i + 1);
      };
      x.onerror = () => { bars[i].replaceWith(' – không gửi được, hãy thử lại'); };
      x.send(data);
    };
    send(0);
  });
});
