// restic-manager: the charts of the repository and host pages, drawn with uPlot from the numbers the API gives (each
// chart's data-points holds that JSON; a table beside it says the same in text). No inline script or style.
(function () {
  'use strict';

  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  function bytes(v) {
    if (v == null) return '';
    let unit = 0;
    while (Math.abs(v) >= 1024 && unit < units.length - 1) { v /= 1024; unit++; }
    return (unit === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[unit];
  }

  const seconds = function (iso) { return Date.parse(iso) / 1000; };

  function size(points) {
    const history = points.history || [];
    return {
      data: [history.map(function (p) { return seconds(p.at); }), history.map(function (p) { return p.totalSize; }),
        history.map(function (p) { return p.rawSize; })],
      series: [{}, { label: 'total (restored)', stroke: '#1f5fa8', value: function (u, v) { return bytes(v); } },
        { label: 'stored (raw)', stroke: '#0a7a35', value: function (u, v) { return bytes(v); } }],
      axes: [{}, { values: function (u, vals) { return vals.map(bytes); }, size: 70 }],
    };
  }

  function backups(jobs) {
    const oldestFirst = jobs.slice().reverse();
    return {
      data: [oldestFirst.map(function (j) { return seconds(j.finishedAt); }),
        oldestFirst.map(function (j) { return (Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000; }),
        oldestFirst.map(function (j) { return j.backup ? j.backup.dataAdded : null; }),
        oldestFirst.map(function (j) { return j.backup ? j.backup.filesNew + j.backup.filesChanged : null; })],
      series: [{}, { label: 'duration (s)', stroke: '#1f5fa8', scale: 's' },
        { label: 'data added', stroke: '#0a7a35', scale: 'b', value: function (u, v) { return bytes(v); } },
        { label: 'files new or changed', stroke: '#8a5a00', scale: 'n' }],
      axes: [{}, { scale: 's', size: 50 }, { scale: 'b', side: 1, values: function (u, vals) { return vals.map(bytes); }, size: 70, grid: { show: false } }],
    };
  }

  function draw(el) {
    if (typeof uPlot !== 'function' || el.getAttribute('data-drawn')) return;
    const points = JSON.parse(el.getAttribute('data-points'));
    const spec = el.getAttribute('data-chart') === 'size' ? size(points) : backups(points);
    if (spec.data[0].length === 0) return;
    const width = Math.max(300, Math.min(900, el.clientWidth || 600));
    // uPlot sets sizes through the CSSOM (element.style), which the Content-Security-Policy allows.
    new uPlot({ width: width, height: 220, series: spec.series, axes: spec.axes, scales: { x: { time: true } } }, spec.data, el);
    el.setAttribute('data-drawn', '');
  }

  function drawAll(root) { root.querySelectorAll('[data-chart]').forEach(draw); }
  document.addEventListener('DOMContentLoaded', function () { drawAll(document); });
})();
