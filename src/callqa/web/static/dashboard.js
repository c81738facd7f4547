// 总览 charts; the data comes from the page's JSON block (no inline script: CSP script-src 'self').
// Tooltips are drawn in the canvas (renderMode 'richText'): ECharts' HTML tooltips carry style attributes,
// which the CSP (style-src 'self') refuses.
const {charts: data, names} = JSON.parse(document.getElementById('chart-data').textContent);
function bar(id, title, pairs, label) {
  echarts.init(document.getElementById(id)).setOption({
    animation: false, title: {text: title, textStyle: {fontSize: 14}}, tooltip: {renderMode: 'richText'}, grid: {left: 120},
    xAxis: {type: 'value', minInterval: 1}, yAxis: {type: 'category', data: pairs.map(p => label ? label(p[0]) : p[0])},
    series: [{type: 'bar', data: pairs.map(p => p[1])}]});
}
bar('by-category', '违规类别（通话数）', data.category, c => names[c] || c);
bar('by-team', '违规通话 · 按团队', data.team);
bar('by-agent', '违规通话 · 按坐席', data.agent);
echarts.init(document.getElementById('trend')).setOption({
  animation: false, title: {text: '每日趋势', textStyle: {fontSize: 14}}, tooltip: {trigger: 'axis', renderMode: 'richText'}, legend: {right: 0},
  xAxis: {type: 'category', data: data.trend.map(d => d[0])}, yAxis: {type: 'value', minInterval: 1},
  series: [{name: '已处理', type: 'line', data: data.trend.map(d => d[1][0])},
           {name: '违规', type: 'line', data: data.trend.map(d => d[1][1])}]});
