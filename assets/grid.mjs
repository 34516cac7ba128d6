// Grids (templates/includes/grid.html): a formset edited as a table. Progressive
// enhancement only: without this file the table is an ordinary form that the server
// validates; this adds rows, clears or marks rows removed, moves between cells with
// the keyboard, shows amounts as £1,234,567, keeps totals and scores up to date and
// shows the cells a row's answers make relevant (the shares of a joint line).

const parseMoney = (text) => {
  const plain = String(text).trim().replace(/^£/, "").replace(/[,\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(plain)) {
    return null;
  }
  const [pounds, pence = ""] = plain.split(".");
  return { pounds: BigInt(pounds), pence: Number(pence.padEnd(2, "0")) };
};

// Pence as integers (BigInt), so sums are exact like the server's Decimal.
const toPence = (money) => money.pounds * 100n + BigInt(money.pence);

export const formatPence = (pence) => {
  const pounds = (pence / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rest = Number(pence % 100n);
  return rest ? `£${pounds}.${String(rest).padStart(2, "0")}` : `£${pounds}`;
};

export const formatMoney = (text) => {
  const money = parseMoney(text);
  return money === null ? text : formatPence(toPence(money));
};

const rowsOf = (grid) => [...grid.querySelectorAll("[data-grid-body] > [data-grid-row]")];

const controls = (row) => [
  ...row.querySelectorAll("input:not([type=hidden]), select, textarea, button"),
].filter((element) => !element.closest("[hidden]") && !element.disabled);

const fieldName = (element) => element.name.replace(/^.*-\d+-|^.*-__prefix__-/, "");

const selectedText = (select) =>
  select && select.value ? select.options[select.selectedIndex].text : "";

function refreshTotals(grid) {
  const foot = grid.querySelector("[data-grid-totals]");
  if (!foot) {
    return;
  }
  const headers = [...grid.querySelectorAll("thead th")];
  const names = headers.map((th) => th.dataset.gridTotalName || "");
  const groupBy = grid.dataset.groupBy;
  const grand = {};
  const groups = new Map();
  for (const row of rowsOf(grid)) {
    if (row.hidden || row.classList.contains("app-grid__row--removed")) {
      continue;
    }
    const group = groupBy
      ? selectedText(row.querySelector(`select[name$="-${groupBy}"]`))
      : "";
    for (const name of names.filter(Boolean)) {
      const input = row.querySelector(`[name$="-${name}"]`);
      const money = input && parseMoney(input.value);
      if (money === null || !input) {
        continue;
      }
      grand[name] = (grand[name] || 0n) + toPence(money);
      if (group) {
        const sums = groups.get(group) || {};
        sums[name] = (sums[name] || 0n) + toPence(money);
        groups.set(group, sums);
      }
    }
  }
  const lines = [...groups.keys()].sort().map((label) => [label, groups.get(label)]);
  const shown = lines.length > 1 ? [...lines, ["", grand]] : [["", grand]];
  foot.replaceChildren(
    ...shown.map(([label, sums]) => {
      const tr = document.createElement("tr");
      tr.className = "govuk-table__row";
      names.forEach((name, index) => {
        let cell;
        if (name) {
          cell = document.createElement("td");
          cell.className = "govuk-table__cell govuk-table__cell--numeric app-table--numbers";
          const strong = document.createElement("strong");
          strong.textContent = formatPence(sums[name] || 0n);
          cell.append(strong);
        } else if (index === 0) {
          cell = document.createElement("th");
          cell.scope = "row";
          cell.className = "govuk-table__header";
          cell.textContent = label ? `Total ${label}` : "Total";
        } else {
          cell = document.createElement("td");
          cell.className = "govuk-table__cell";
        }
        tr.append(cell);
      });
      return tr;
    }),
  );
}

function refreshRow(row) {
  for (const cell of row.querySelectorAll("[data-shown-when]")) {
    const source = row.querySelector(`[name="${cell.dataset.shownWhen}"]`);
    const wanted = cell.dataset.shownValues.split(" ").filter(Boolean);
    const show = !source || wanted.includes(source.value);
    const control = cell.querySelector("[data-grid-control]");
    const note = cell.querySelector("[data-grid-not-needed]");
    for (const input of cell.querySelectorAll("input, select, textarea")) {
      if (!show && !input.disabled) {
        input.disabled = true; // not sent, so the server sees no share on the line
        input.dataset.gridHidden = "1";
      } else if (show && input.dataset.gridHidden) {
        input.disabled = false;
        delete input.dataset.gridHidden;
      }
    }
    if (control) {
      control.hidden = !show;
    }
    if (note) {
      note.hidden = show;
    }
  }
  for (const cell of row.querySelectorAll("[data-grid-product]")) {
    const values = cell.dataset.gridProduct
      .split(" ")
      .map((name) => row.querySelector(`[name$="-${name}"]`))
      .map((input) => (input && input.value ? Number(input.value) : NaN));
    cell.textContent = values.some(Number.isNaN) ? "" : String(values.reduce((a, b) => a * b, 1));
  }
  const removal = row.querySelector("[data-grid-delete]");
  row.classList.toggle("app-grid__row--removed", Boolean(removal && removal.checked));
}

function resetRow(row) {
  for (const input of row.querySelectorAll("input:not([type=hidden]), textarea")) {
    if (input.type === "checkbox" || input.type === "radio") {
      input.checked = input.defaultChecked;
    } else {
      input.value = input.defaultValue;
    }
  }
  for (const select of row.querySelectorAll("select")) {
    for (const option of select.options) {
      option.selected = option.defaultSelected;
    }
  }
}

function moveFrom(grid, element, key) {
  const rows = rowsOf(grid).filter((row) => !row.hidden);
  const row = element.closest("[data-grid-row]");
  const rowIndex = rows.indexOf(row);
  const cells = controls(row);
  const cellIndex = cells.indexOf(element);
  let target;
  if (key === "ArrowUp" || key === "ArrowDown") {
    const next = rows[rowIndex + (key === "ArrowUp" ? -1 : 1)];
    if (next) {
      const name = fieldName(element);
      target = controls(next).find((other) => fieldName(other) === name) || controls(next)[0];
    }
  } else {
    target = cells[cellIndex + (key === "ArrowLeft" ? -1 : 1)];
  }
  if (target) {
    target.focus();
    if (target.select && target.type === "text") {
      target.select();
    }
    return true;
  }
  return false;
}

function addRow(grid, template, total, max) {
  const index = Number(total.value);
  if (index >= max) {
    return;
  }
  const html = template.innerHTML.replaceAll("__prefix__", String(index));
  const body = grid.querySelector("[data-grid-body]");
  body.insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  const row = rowsOf(grid).at(-1);
  enhanceRow(row);
  refreshRow(row);
  controls(row)[0]?.focus();
  grid.querySelector("[data-grid-add]").hidden = index + 1 >= max;
}

function enhanceRow(row) {
  for (const button of row.querySelectorAll("[data-grid-remove]")) {
    button.hidden = false;
  }
}

export function initGrid(grid) {
  const prefix = grid.dataset.prefix;
  const form = grid.closest("form");
  const total = form && form.querySelector(`[name="${prefix}-TOTAL_FORMS"]`);
  const maxInput = form && form.querySelector(`[name="${prefix}-MAX_NUM_FORMS"]`);
  const max = maxInput ? Number(maxInput.value) : Infinity;
  const template = grid.querySelector("[data-grid-template]");
  const add = grid.querySelector("[data-grid-add]");
  if (add && template && total) {
    add.hidden = Number(total.value) >= max;
    add.addEventListener("click", () => addRow(grid, template, total, max));
  }
  const keys = grid.querySelector(".app-grid__keys");
  if (keys) {
    keys.hidden = false;
  }
  for (const row of rowsOf(grid)) {
    enhanceRow(row);
    refreshRow(row);
  }
  grid.addEventListener("change", (event) => {
    const row = event.target.closest("[data-grid-row]");
    if (row) {
      refreshRow(row);
    }
    refreshTotals(grid);
  });
  grid.addEventListener("input", (event) => {
    const row = event.target.closest("[data-grid-row]");
    if (row) {
      refreshRow(row);
    }
    refreshTotals(grid);
  });
  grid.addEventListener("focusout", (event) => {
    if (event.target.matches("[data-money]")) {
      event.target.value = formatMoney(event.target.value);
    }
  });
  grid.addEventListener("click", (event) => {
    const button = event.target.closest("[data-grid-remove]");
    if (!button) {
      return;
    }
    const row = button.closest("[data-grid-row]");
    const rows = rowsOf(grid);
    // Put back what the row offered, so the server sees it unchanged and ignores it.
    resetRow(row);
    const next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    if (rows.filter((each) => !each.hidden).length > 1) {
      row.hidden = true;
    }
    refreshRow(row);
    refreshTotals(grid);
    (next && controls(next)[0] || add)?.focus();
  });
  grid.addEventListener("keydown", (event) => {
    const element = event.target;
    if (!element.closest("[data-grid-body]") || event.altKey || event.shiftKey) {
      return;
    }
    const vertical = event.key === "ArrowUp" || event.key === "ArrowDown";
    const horizontal = event.key === "ArrowLeft" || event.key === "ArrowRight";
    const plainInput = element.tagName === "INPUT" && element.type === "text";
    if ((event.ctrlKey && (vertical || horizontal)) || (!event.ctrlKey && vertical && plainInput)) {
      if (moveFrom(grid, element, event.key)) {
        event.preventDefault();
      }
    }
  });
  refreshTotals(grid);
}

export function initGrids(root = document) {
  for (const grid of root.querySelectorAll("[data-module=app-grid]")) {
    initGrid(grid);
  }
  for (const table of root.querySelectorAll("[data-module=app-sums]")) {
    initSums(table);
  }
}

// A fixed table of money inputs (the income grid): each footer figure marked
// data-sum-column="n" is the sum of the inputs in column n of the table's body.
export function initSums(table) {
  const refresh = () => {
    for (const output of table.querySelectorAll("[data-sum-column]")) {
      const index = Number(output.dataset.sumColumn);
      let total = 0n;
      for (const row of table.tBodies[0].rows) {
        const input = row.cells[index]?.querySelector("[data-money]");
        const money = input && parseMoney(input.value);
        if (money) {
          total += toPence(money);
        }
      }
      output.textContent = formatPence(total);
    }
  };
  table.addEventListener("input", refresh);
  table.addEventListener("focusout", (event) => {
    if (event.target.matches("[data-money]")) {
      event.target.value = formatMoney(event.target.value);
    }
  });
}
