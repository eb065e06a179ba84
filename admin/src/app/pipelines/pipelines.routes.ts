import { type Routes } from '@angular/router';

export const PIPELINES_ROUTES: Routes = [
  { path: '', loadComponent: () => import('./pipeline-run-list').then((m) => m.PipelineRunList) },
  { path: ':id', loadComponent: () => import('./pipeline-run-page').then((m) => m.PipelineRunPage) },
];
