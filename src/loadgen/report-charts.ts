/**
 * The browser script of report.html: draws the charts from `window.loadReport` with the Chart.js
 * UMD build inlined before it. Plain ES2020 in a string, as it runs in the browser, not in Node.
 */
export const chartsScript = String.raw`
(function () {
  const report = window.loadReport;
  const t = report.timeline;
  const seconds = t.map((p) => p.second);
  const colors = { blue: '#2563eb', red: '#dc2626', green: '#16a34a', amber: '#d97706', grey: '#6b7280', violet: '#7c3aed', teal: '#0d9488' };
  const base = (yTitle, extra) => Object.assign({
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    scales: { x: { title: { display: true, text: 'second of the run' } }, y: { title: { display: true, text: yTitle }, beginAtZero: true } },
    plugins: { legend: { position: 'bottom' } },
  }, extra || {});
  const line = (label, data, color, extra) => Object.assign({ type: 'line', label, data, borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: 2, spanGaps: false }, extra || {});
  const chart = (id, config) => new Chart(document.getElementById(id), config);

  chart('ticks', {
    data: { labels: seconds, datasets: [
      line('tick rate, mean over links', t.map((p) => p.tickRateMean), colors.blue),
      line('tick rate, lowest link', t.map((p) => p.tickRateMin), colors.red),
      line('snapshots/s per link, mean', t.map((p) => p.snapshotsPerSecMean), colors.green, { borderDash: [4, 3] }),
      line('60 ticks/s', t.map(() => 60), colors.grey, { borderWidth: 1, borderDash: [2, 2] }),
    ] },
    options: base('ticks or snapshots per second', { scales: { x: { title: { display: true, text: 'second of the run' } }, y: { min: 0, suggestedMax: 70, title: { display: true, text: 'per second' } } } }),
  });

  chart('matchLatency', {
    data: { labels: seconds, datasets: [
      line('p50', t.map((p) => p.matchLatencyP50Ms), colors.blue),
      line('p99', t.map((p) => p.matchLatencyP99Ms), colors.red),
      line('loadgen event-loop lag, max', t.map((p) => p.loopLagMaxMs), colors.amber, { borderWidth: 1, borderDash: [4, 3] }),
      { type: 'bar', label: 'matches (rooms)', data: t.map((p) => p.matches), backgroundColor: 'rgba(107,114,128,0.35)', yAxisID: 'count' },
    ] },
    options: base('enqueue → assignment, ms', { scales: {
      x: { title: { display: true, text: 'second of the run' } },
      y: { beginAtZero: true, title: { display: true, text: 'enqueue → assignment, ms' } },
      count: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'matches' } },
    } }),
  });

  chart('reconnects', {
    type: 'bar',
    data: { labels: seconds, datasets: [
      { label: 'succeeded', data: t.map((p) => p.reconnectsSucceeded), backgroundColor: colors.green, stack: 'outcome' },
      { label: 'failed', data: t.map((p) => p.reconnectsFailed), backgroundColor: colors.red, stack: 'outcome' },
      line('started', t.map((p) => p.reconnectsAttempted), colors.grey, { borderWidth: 1 }),
    ] },
    options: base('reconnects', { scales: { x: { stacked: true, title: { display: true, text: 'second of the run' } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'reconnects' } } } }),
  });

  const states = [['queued', colors.amber], ['connecting', colors.violet], ['playing', colors.blue], ['reconnecting', colors.red], ['backoff', colors.grey]];
  chart('clients', {
    data: { labels: seconds, datasets: states.map(([s, c]) => line(s, t.map((p) => p.clients[s]), c, { fill: true, backgroundColor: c + '55' })) },
    options: base('clients', { scales: { x: { title: { display: true, text: 'second of the run' } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'clients' } } } }),
  });

  const curve = report.matches.latencyPercentiles;
  chart('matchCurve', {
    data: { labels: curve.map((p) => p.percentile + ' %'), datasets: [line('enqueue → assignment', curve.map((p) => p.ms), colors.blue, { pointRadius: 3 })] },
    options: base('ms', { scales: { x: { title: { display: true, text: 'percentile' } }, y: { beginAtZero: true, title: { display: true, text: 'ms' } } } }),
  });

  const methods = Object.keys(report.rpc.methods);
  chart('rpc', {
    type: 'bar',
    data: { labels: methods, datasets: [
      { label: 'p50', data: methods.map((m) => report.rpc.methods[m].latencyMs.p50), backgroundColor: colors.blue },
      { label: 'p99', data: methods.map((m) => report.rpc.methods[m].latencyMs.p99), backgroundColor: colors.red },
    ] },
    options: base('ms', { scales: { y: { beginAtZero: true, title: { display: true, text: 'ms (client-side)' } } } }),
  });
})();
`;
