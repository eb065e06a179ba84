import { type Routes } from '@angular/router';

import { Executions } from './executions';

export const EXECUTIONS_ROUTES: Routes = [{ path: '', component: Executions }];
