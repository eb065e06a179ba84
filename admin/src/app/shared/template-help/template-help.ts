import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TranslatePipe } from '@ngx-translate/core';

/** One template variable or filter: the code as typed, and the i18n key of what it gives. */
interface HelpRow {
  code: string;
  key: string;
}

/**
 * "Template helpers": the variables and filters job fields can use (README § Templates), folded
 * under a disclosure so the editor stays short; the examples are what a person types.
 */
@Component({
  selector: 'app-template-help',
  imports: [TranslatePipe],
  template: `
    <details class="template-help" data-testid="template-help">
      <summary>{{ 'templateHelp.title' | translate }}</summary>
      <p>{{ 'templateHelp.intro' | translate }}</p>
      <h3>{{ 'templateHelp.variables' | translate }}</h3>
      <dl>
        @for (row of variables; track row.code) {
          <dt>
            <code>{{ row.code }}</code>
          </dt>
          <dd>{{ row.key | translate }}</dd>
        }
      </dl>
      <h3>{{ 'templateHelp.filters' | translate }}</h3>
      <dl>
        @for (row of filters; track row.code) {
          <dt>
            <code>{{ row.code }}</code>
          </dt>
          <dd>{{ row.key | translate }}</dd>
        }
      </dl>
      <p>
        {{ 'templateHelp.optional' | translate }} <code>{{ optionalExample }}</code>
      </p>
    </details>
  `,
  styles: `
    .template-help {
      margin: 8px 0 16px;
      font: var(--mat-sys-body-medium);
    }
    summary {
      cursor: pointer;
      color: var(--mat-sys-primary);
    }
    dl {
      display: grid;
      grid-template-columns: minmax(10em, max-content) 1fr;
      gap: 4px 16px;
      margin: 0;
    }
    dt,
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    h3 {
      font: var(--mat-sys-title-small);
      margin: 12px 0 4px;
    }
    @media (max-width: 599.98px) {
      dl {
        grid-template-columns: 1fr;
      }
      dd {
        margin-bottom: 6px;
      }
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TemplateHelp {
  protected readonly variables: HelpRow[] = [
    { code: '{{ params.device_id }}', key: 'templateHelp.params' },
    { code: '{{ today }} {{ now }} {{ yesterday }} {{ tomorrow }}', key: 'templateHelp.dates' },
    { code: '{{ push.after }} {{ push.branch }} {{ push.changedFiles }}', key: 'templateHelp.push' },
    { code: '{{ parent.response.json.id }}', key: 'templateHelp.parent' },
    { code: '{{ needs.analysis.response.json }}', key: 'templateHelp.needs' },
    { code: '{{ execution.id }} {{ execution.attempt }}', key: 'templateHelp.execution' },
  ];
  protected readonly filters: HelpRow[] = [
    { code: "{{ 'today' | in_zone: 'Asia/Tokyo' }}", key: 'templateHelp.inZone' },
    { code: "{{ today | date_sub: 1, 'days' }}", key: 'templateHelp.dateAdd' },
    { code: "{{ now | format_date: 'yyyy-LL-dd HH:mm' }}", key: 'templateHelp.formatDate' },
    { code: "{{ today | start_of: 'month' }}", key: 'templateHelp.startOf' },
    { code: '{{ now | unix }}', key: 'templateHelp.unix' },
  ];
  protected readonly optionalExample = "{{ push.after | default: 'none' }}";
}
