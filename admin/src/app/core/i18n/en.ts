/**
 * English strings. This object is the reference shape: every other language must provide the
 * same keys (enforced by the `Translations` type).
 */
export const EN = {
  app: {
    name: 'API Manager',
    skipToContent: 'Skip to main content',
    toggleNav: 'Toggle navigation',
    mainNav: 'Main navigation',
    language: 'Language',
  },
  nav: {
    dashboard: 'Dashboard',
    jobs: 'Jobs',
    schedules: 'Schedules',
    executions: 'Executions',
    webhooks: 'Webhooks',
    settings: 'Settings',
    health: 'Health',
  },
  status: {
    up: 'Up',
    down: 'Down',
    ok: 'Ready',
    error: 'Not ready',
    shutting_down: 'Shutting down',
    unknown: 'Unknown',
  },
  common: {
    refresh: 'Refresh',
    retry: 'Retry',
    loading: 'Loading…',
    checkedAt: 'Checked at {{time}}',
    comingSoon: 'Coming soon',
    plannedTitle: 'What will be here',
  },
  auth: {
    logout: 'Sign out',
    signedInAs: 'Signed in as {{name}}',
    roles: {
      admin: 'Admin',
      operator: 'Operator',
      viewer: 'Viewer',
    },
  },
  login: {
    title: 'Sign in',
    username: 'Username',
    password: 'Password',
    usernameRequired: 'Enter your username.',
    passwordRequired: 'Enter your password.',
    submit: 'Sign in',
    invalid: 'Wrong username or password.',
    throttled: 'Too many attempts. Try again in {{seconds}} seconds.',
    unreachable: 'Could not reach the server.',
    failed: 'Sign-in failed. Try again.',
  },
  dashboard: {
    title: 'Dashboard',
    subtitle: 'An overview of your jobs, schedules and the server.',
    readinessTitle: 'System readiness',
    readinessOk: 'All {{count}} checks are up.',
    readinessDown: '{{down}} of {{count}} checks are down.',
    readinessUnreachable: 'The server did not answer.',
    viewHealth: 'View health details',
    jobsTitle: 'Jobs',
    noJobs: 'No jobs yet',
    noJobsHint: 'Jobs you register (HTTP calls or shell commands) will show up here with their last and next runs.',
    goToJobs: 'Go to jobs',
  },
  health: {
    title: 'Health',
    subtitle: 'Readiness of the server: the database, the scheduler and the workers.',
    overallOk: 'All checks are up',
    overallError: 'Some checks are down',
    overallShuttingDown: 'The server is shutting down',
    unreachable: 'Could not reach the server',
    unreachableHint: 'The request to {{url}} failed ({{reason}}).',
    networkError: 'network error',
    noChecks: 'The server reported no checks.',
    tableCaption: 'Readiness checks',
    columnCheck: 'Check',
    columnStatus: 'Status',
    columnDetails: 'Details',
    checks: {
      database: 'Database',
      scheduler: 'Scheduler',
      workers: 'Workers',
    },
  },
  jobs: {
    title: 'Jobs',
    description: 'Register the HTTP calls and shell commands the system runs, and run them by hand.',
    points: {
      define: 'Job definitions: HTTP requests or shell commands, grouped and searchable.',
      params: 'Typed parameters (dates, device ids, lists to fan out over) with a run form.',
      status: 'Honest status per job: last run, next run, running now, success and error counts.',
      chains: 'Chains: start other jobs when one succeeds or fails.',
    },
  },
  schedules: {
    title: 'Schedules',
    description: 'Run jobs on cron expressions (with seconds) or fixed intervals.',
    points: {
      cron: 'Cron and interval schedules with an IANA time zone each, e.g. Asia/Tokyo.',
      preview: 'A preview of the next fire times in plain language before you save.',
      misfire: 'Misfire policy per schedule: skip, run once, or run every missed slot.',
      pause: 'Pause and resume without losing the schedule.',
    },
  },
  executions: {
    title: 'Executions',
    description: 'Every run of every job, from every trigger.',
    points: {
      list: 'A live list filtered by job, status, trigger and time range.',
      detail: 'The resolved parameters, the request sent (secrets masked) and the response.',
      attempts: 'Attempts, timings, logs and child executions of fan-outs and chains.',
      actions: 'Cancel a running execution or retry a failed one.',
    },
  },
  webhooks: {
    title: 'Webhooks',
    description: 'Start jobs when a GitHub push changes the files they watch.',
    points: {
      sources: 'Webhook sources: repositories and their signing secrets.',
      deliveries: 'Every delivery with the jobs it matched, and why, or why it was skipped.',
      replay: 'Replay a delivery, or dry-run a payload to see which jobs would run.',
    },
  },
  settings: {
    title: 'Settings',
    description: 'Users, API tokens and configuration as code.',
    points: {
      users: 'Users and their roles.',
      tokens: 'API tokens with scopes and expiry for automation clients.',
      audit: 'The audit log of every change.',
      config: 'Import and export jobs.yaml.',
    },
  },
};

/** The shape every translation must have: the same keys as English, string values. */
export type Translations = DeepStrings<typeof EN>;

type DeepStrings<T> = { [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };
