/**
 * How a run's Parquet results are queried where they land: the table name the
 * CLI's `--sql` gives the rows, a first query, and the ready `bq query` command
 * over the run's folder (a temporary external table defined by `bq mkdef`).
 */

/** The name a run's rows go by in `altus results --sql` and in the `bq query` command. */
export const RESULTS_TABLE = 'results';

/**
 * A first query over a run's rows, valid in DuckDB and BigQuery alike: the count,
 * failures, and the mean and maximum of `metric` when it is a plain identifier.
 */
export function exampleSql(metric: string | undefined): string {
  const plain = metric !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(metric);
  const figures = plain ? `, AVG(${metric}) AS mean_${metric}, MAX(${metric}) AS max_${metric}` : '';
  return `SELECT COUNT(*) AS row_count, COUNT(error) AS failed${figures} FROM ${RESULTS_TABLE}`;
}

/**
 * The `bq` command that queries the run's dataset folder (`gs://…/run_id=<id>/`)
 * in place: `bq mkdef` writes the external table definition, `bq query` uses it
 * as the temporary table {@link RESULTS_TABLE}.
 */
export function bigQueryCommand(datasetUri: string, runId: string, sql: string): string {
  const definition = `/tmp/altus-${runId}.def`;
  const files = `${datasetUri.endsWith('/') ? datasetUri : datasetUri + '/'}*.parquet`;
  return (
    `bq mkdef --source_format=PARQUET ${shellQuote(files)} > ${definition} && ` +
    `bq query --use_legacy_sql=false --external_table_definition=${RESULTS_TABLE}::${definition} ${shellQuote(sql)}`
  );
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
