import { type Routes } from '@angular/router';

import { JobEditor } from './job-editor';
import { JobList } from './job-list';

export const JOBS_ROUTES: Routes = [
  { path: '', component: JobList },
  { path: 'new', component: JobEditor, title: 'jobs.newTitle' },
  {
    path: ':name/backfill',
    title: 'backfill.pageTitle',
    loadComponent: () => import('./backfill-form').then((m) => m.BackfillForm),
  },
  { path: ':name', component: JobEditor },
];
