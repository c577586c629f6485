// Tasks (docs/api.md "Needs and tasks"): a case's tasks with the form to add one (the case
// page), the same list without it (a screening's result), and "My tasks" at /tasks (GET
// /api/v1/me/tasks: the user's open tasks across cases, by due date). Each open task has a
// one-tap "Done" (PATCH with the task's version as If-Match); an open task past its due time
// is marked overdue by a red edge and the word, not by colour alone.
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api, etag } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { Field, ErrorSummary, label } from '../lib/fields.js';
import { usePaged, PagedFooter } from '../lib/paged.js';
import { useList, useAddForm, useItemChange, Section } from '../lib/section.js';
import { vocab, vocabOptions } from '../lib/vocab.js';

const isOverdue = (x) => x.status === 'open' && Boolean(x.due_at) && new Date(x.due_at) < new Date();

// PATCH the task done; then(answer) with the changed task, or the error (a 412: changed
// meanwhile, the list is to be read again).
export const markDone = (task) => api('PATCH', `/api/v1/tasks/${task.id}`, { status: 'done' }, { 'If-Match': etag(task.version) });

// withCase: each task names and links its case (My tasks).
export function TaskList({ items, onDone, withCase }) {
  if (!items.length) return html`<p class="empty">${t('result.no_tasks')}</p>`;
  return html`<ul class="task-list">${items.map((x) => {
    const name = x.title || (x.kind ? vocab('tasks', x.kind) : t('tasks.untitled'));
    const late = isOverdue(x);
    return html`<li class=${`task task--${x.priority}${late ? ' task--overdue' : ''}`} data-kind=${x.kind}>
      <span class="task__name" dir="auto">${name}</span>
      ${late && html`<strong class="overdue">${t('tasks.overdue')}</strong>`}
      <span class="muted">${vocab('priorities', x.priority)}${x.due_at ? ` · ${t('result.due', { time: formatTime(x.due_at) })}` : ''}
        · <span class="task__status">${label('task_status', x.status)}</span></span>
      ${withCase && html`<${Link} href=${`/cases/${x.case_id}`}>${t('tasks.case', { number: x.case_number })}<//>`}
      ${x.status === 'open' && html`<button type="button" class="button" onClick=${() => onDone(x)}
        aria-label=${t('result.task_done_named', { task: name })}>${t('result.task_done')}</button>`}
    </li>`;
  })}</ul>`;
}

const TASK_FIELDS = { '': 'task-kind', '/kind': 'task-kind', '/title': 'task-title', '/due_at': 'task-due',
  '/priority': 'task-priority', '/assignee': 'task-kind' };

function taskBody(v) {
  const body = { priority: v.priority };
  if (v.kind) body.kind = v.kind;
  if (v.title.trim()) body.title = v.title.trim();
  if (v.due) body.due_at = v.due;
  return body;
}

function AddTask({ caseId, onAdded, onSessionEnded }) {
  const f = useAddForm({ path: `/api/v1/cases/${caseId}/tasks`, blank: { kind: '', title: '', due: '', priority: 'routine' },
    body: taskBody, fieldOf: (p) => TASK_FIELDS[p] || null, onAdded, onSessionEnded });
  const labels = { 'task-kind': t('tasks.kind'), 'task-title': t('tasks.task_title'), 'task-due': t('tasks.due'),
    'task-priority': t('tasks.priority') };
  if (!f.open) {
    return html`<button type="button" class="button" aria-expanded="false" onClick=${f.show}>${t('tasks.add')}</button>`;
  }
  return html`<form onSubmit=${f.submit} noValidate class="stack">
    <h3>${t('tasks.new')}</h3>
    <${ErrorSummary} ...${f.errors} labels=${labels} />
    <p class="muted">${t('tasks.kind_or_title')}</p>
    <div class="grid">
      <${Field} id="task-kind" label=${labels['task-kind']} as="select" options=${vocabOptions('tasks', t('tasks.no_kind'))}
        value=${f.v.kind} onChange=${f.set('kind')} error=${f.errors.fields['task-kind']} />
      <${Field} id="task-title" label=${labels['task-title']} value=${f.v.title} onInput=${f.set('title')}
        error=${f.errors.fields['task-title']} dir="auto" />
      <${Field} id="task-due" label=${labels['task-due']} type="date" value=${f.v.due} onInput=${f.set('due')}
        error=${f.errors.fields['task-due']} class="field--short" />
      <${Field} id="task-priority" label=${labels['task-priority']} as="select" options=${vocabOptions('priorities')}
        value=${f.v.priority} onChange=${f.set('priority')} error=${f.errors.fields['task-priority']} />
    </div>
    <p class="muted">${t('tasks.assigned_you')}</p>
    <div class="actions">
      <button type="submit" class="button button--primary" disabled=${f.busy}>${t('tasks.save')}</button>
      <button type="button" class="button button--quiet" onClick=${f.cancel}>${t('form.cancel')}</button>
    </div>
  </form>`;
}

// A case's tasks; withForm: the form to add one under the list.
export function TasksSection({ caseId, onSessionEnded, withForm }) {
  const list = useList(`/api/v1/cases/${caseId}/tasks`, onSessionEnded);
  const done = (task) => markDone(task).then(list.replace, (err) => (err.status === 412 ? list.load() : list.fail(err)));
  return html`<${Section} id="tasks-h" title=${t('result.tasks')} denied=${t('tasks.denied')} status=${list.status}>
    ${list.items && html`<${TaskList} items=${list.items} onDone=${done} />`}
    ${withForm && html`<${AddTask} caseId=${caseId} onAdded=${list.load} onSessionEnded=${onSessionEnded} />`}
  <//>`;
}

export function MyTasksPage({ onSessionEnded }) {
  usePage(t('tasks.mine'));
  const list = usePaged('/api/v1/me/tasks', {}, 50, onSessionEnded);
  const change = useItemChange(list, onSessionEnded);
  return html`<div class="page">
    <h1 tabindex="-1">${t('tasks.mine')}</h1>
    <p class="lead">${t('tasks.mine_intro')}</p>
    ${change.error && html`<p class="alert" role="alert">${change.error}</p>`}
    <section class="card" aria-label=${t('tasks.mine')}>
      ${list.items && html`<${TaskList} items=${list.items} onDone=${(x) => change.run(x, markDone)} withCase />`}
      <${PagedFooter} list=${list} moreLabel=${t('tasks.more')} />
    </section>
  </div>`;
}
