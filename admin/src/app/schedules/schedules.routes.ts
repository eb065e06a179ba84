import { type Routes } from '@angular/router';

export const SCHEDULES_ROUTES: Routes = [
  { path: '', loadComponent: () => import('./schedule-list').then((m) => m.ScheduleList) },
  { path: 'new', loadComponent: () => import('./schedule-editor').then((m) => m.ScheduleEditor) },
  { path: ':id', loadComponent: () => import('./schedule-editor').then((m) => m.ScheduleEditor) },
];
