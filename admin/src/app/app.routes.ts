import { type Routes } from '@angular/router';

import { authGuard, guestGuard } from './core/auth/auth.guard';
import { Shell } from './core/shell/shell';

/** One lazy route per feature, all inside the shell (toolbar + navigation); /login outside it. */
export const routes: Routes = [
  {
    path: 'login',
    title: 'login.title',
    canActivate: [guestGuard],
    loadComponent: () => import('./auth/login').then((m) => m.Login),
  },
  {
    path: '',
    component: Shell,
    canActivate: [authGuard],
    children: [
      {
        path: '',
        pathMatch: 'full',
        title: 'nav.dashboard',
        loadComponent: () => import('./dashboard/dashboard').then((m) => m.Dashboard),
      },
      {
        path: 'jobs',
        title: 'nav.jobs',
        loadChildren: () => import('./jobs/jobs.routes').then((m) => m.JOBS_ROUTES),
      },
      {
        path: 'schedules',
        title: 'nav.schedules',
        loadChildren: () => import('./schedules/schedules.routes').then((m) => m.SCHEDULES_ROUTES),
      },
      {
        path: 'executions',
        title: 'nav.executions',
        loadChildren: () => import('./executions/executions.routes').then((m) => m.EXECUTIONS_ROUTES),
      },
      {
        path: 'pipelines',
        title: 'pipeline.nav',
        loadChildren: () => import('./pipelines/pipelines.routes').then((m) => m.PIPELINES_ROUTES),
      },
      {
        path: 'webhooks',
        title: 'nav.webhooks',
        loadChildren: () => import('./webhooks/webhooks.routes').then((m) => m.WEBHOOKS_ROUTES),
      },
      {
        path: 'settings',
        title: 'nav.settings',
        loadChildren: () => import('./settings/settings.routes').then((m) => m.SETTINGS_ROUTES),
      },
      {
        path: 'health',
        title: 'nav.health',
        loadComponent: () => import('./health/health').then((m) => m.Health),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
