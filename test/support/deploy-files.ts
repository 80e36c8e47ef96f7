import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/** The repository's deploy/ folder. */
export const deployDir = new URL('../../deploy/', import.meta.url).pathname;

export const prometheusConfigFile = resolve(deployDir, 'prometheus/prometheus.yml');
export const alertsFile = resolve(deployDir, 'prometheus/alerts.yml');
export const alertTestsFile = resolve(deployDir, 'prometheus/alerts.test.yml');
export const dashboardFile = resolve(deployDir, 'grafana/dashboards/mini-match.json');
export const datasourcesFile = resolve(deployDir, 'grafana/provisioning/datasources/prometheus.yml');

export interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
}

/** One query of a dashboard panel. */
export interface DashboardQuery {
  panel: string;
  /** With Grafana's interval variables replaced by `rateInterval`. */
  expr: string;
  datasourceUid: string | undefined;
}

interface Panel {
  title: string;
  type: string;
  datasource?: { uid?: string };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

export function readYaml<T>(file: string): T {
  return parse(readFileSync(file, 'utf8')) as T;
}

export function prometheusConfig(): PrometheusConfig {
  return readYaml<PrometheusConfig>(prometheusConfigFile);
}

/** Every rule of alerts.yml, alerting and recording. */
export function alertRules(): AlertRule[] {
  return readYaml<{ groups: { rules: AlertRule[] }[] }>(alertsFile).groups.flatMap((group) => group.rules);
}

/**
 * Every query of every panel of the dashboard (rows included). Grafana replaces its variables before
 * it sends a query; so does this: the interval ones with `rateInterval`, each template variable with
 * its "All" value. Any other `$variable` throws.
 */
export function dashboardQueries(rateInterval: string): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[]; templating: { list: { name: string; allValue: string }[] } };
  const fillIn = (expr: string): string =>
    dashboard.templating.list.reduce(
      (filled, variable) => filled.replaceAll(`$${variable.name}`, variable.allValue),
      expr.replace(/\$__(rate_interval|interval|range)\b/g, rateInterval),
    );
  const queries: DashboardQuery[] = [];
  const visit = (panel: Panel): void => {
    if (panel.type !== 'row' && !panel.targets?.length) throw new Error(`panel "${panel.title}" has no query`);
    for (const target of panel.targets ?? []) {
      if (!target.expr) throw new Error(`panel "${panel.title}": a query without expr`);
      const expr = fillIn(target.expr);
      if (expr.includes('$')) throw new Error(`panel "${panel.title}": a variable the test cannot fill in: ${target.expr}`);
      queries.push({ panel: panel.title, expr, datasourceUid: target.datasource?.uid ?? panel.datasource?.uid });
    }
    panel.panels?.forEach(visit);
  };
  dashboard.panels.forEach(visit);
  return queries;
}
