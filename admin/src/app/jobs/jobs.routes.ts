import { type Routes } from '@angular/router';

import { JobEditor } from './job-editor';
import { JobList } from './job-list';
import { JobPage } from './job-page';

export const JOBS_ROUTES: Routes = [
  { path: '', component: JobList },
  { path: 'new', component: JobEditor, title: 'jobs.newTitle' },
  { path: ':name', component: JobPage },
  // The editor's own address before the job page: its tab.
  { path: ':name/edit', redirectTo: ({ params }) => `/jobs/${encodeURIComponent(String(params['name']))}?tab=edit` },
  {
    path: ':name/backfill',
    title: 'backfill.pageTitle',
    loadComponent: () => import('./backfill-form').then((m) => m.BackfillForm),
  },
];
