export type HealthStatus = 'up' | 'down';

export interface HealthCheckDetail {
  status: HealthStatus;
  message?: string;
  [key: string]: unknown;
}

/** Body of GET /api/health/ready and /api/health/live (Terminus format). */
export interface HealthResponse {
  status: 'ok' | 'error' | 'shutting_down';
  info?: Record<string, HealthCheckDetail>;
  error?: Record<string, HealthCheckDetail>;
  details: Record<string, HealthCheckDetail>;
}
