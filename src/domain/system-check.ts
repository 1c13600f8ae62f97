/** Result of the system-check workflow: proof that worker, activities and database all answer. */
export interface SystemCheckResult {
  workflowId: string;
  databaseTime: string;
  activityWorker: string;
}
