/* Native scoring of one text against one compiled TF-IDF block.
 *
 * An optional accelerator for training/fastpath.py (the package works without it, in
 * Python): per request, Python-level lookups, counting and summing of a few dozen
 * n-grams were the larger part of the scoring, and inside a web request the scattered
 * Python objects they touch are mostly out of the CPU caches. Here the same tables are
 * contiguous arrays, copied at construction (so nothing outside can change them under
 * a running lookup), read from any buffer (numpy arrays: no numpy headers needed to
 * build), and the arithmetic follows the batch path's formulas.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ORDER 8
#define HEADS 6
#define STACK_TOKENS 512

static const uint64_t MULTIPLIER = 0x9E3779B97F4A7C15ULL; /* as fastpath._KeyTable */

typedef struct {
    int n;
    unsigned shift;
    uint64_t mask;
    int64_t *keys; /* -1: free slot */
    int64_t *columns;
} Table;

typedef struct {
    PyObject_HEAD
    int ready;
    int min_n;
    int tables_used;
    int sublinear;
    int64_t base;
    Py_ssize_t width;
    PyObject *ids;    /* run of letters (bytes) -> token id, 0 when dropped: a dict that fills itself */
    int64_t *unigram; /* column per token id, -1 when no term */
    double *rows;     /* (width, 6): the heads' coefficients */
    double *idf;      /* (width,) */
    Table tables[MAX_ORDER];
} Block;

/* A private copy of a C-contiguous int64 or float64 buffer with `ndim` dimensions; NULL on error. */
static void *
copy_buffer(PyObject *obj, const char *what, char kind, int ndim, Py_ssize_t *shape)
{
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return NULL;
    const char *format = view.format ? view.format : "B";
    if (*format == '<' || *format == '=' || *format == '@')
        format++;
    int ok = view.itemsize == 8 && view.ndim == ndim && format[1] == '\0';
    ok = ok && (kind == 'i' ? (format[0] == 'q' || format[0] == 'l') : format[0] == 'd');
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous %s array of %d dimension(s)", what,
                     kind == 'i' ? "int64" : "float64", ndim);
        PyBuffer_Release(&view);
        return NULL;
    }
    for (int d = 0; d < ndim; d++)
        shape[d] = view.shape[d];
    void *copy = PyMem_Malloc(view.len ? (size_t)view.len : 1);
    if (!copy)
        PyErr_NoMemory();
    else
        memcpy(copy, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return copy;
}

static void
Block_dealloc(Block *self)
{
    Py_CLEAR(self->ids);
    PyMem_Free(self->unigram);
    PyMem_Free(self->rows);
    PyMem_Free(self->idf);
    for (int i = 0; i < MAX_ORDER; i++) {
        PyMem_Free(self->tables[i].keys);
        PyMem_Free(self->tables[i].columns);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
columns_in_range(const int64_t *columns, Py_ssize_t count, Py_ssize_t width, const char *what)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        if (columns[i] < -1 || columns[i] >= width) {
            PyErr_Format(PyExc_ValueError, "%s: a column is out of range", what);
            return 0;
        }
    }
    return 1;
}

static int
load_table(Table *table, PyObject *spec, Py_ssize_t width)
{
    PyObject *keys, *columns;
    unsigned long long mask;
    unsigned int shift;
    Py_ssize_t size, column_count;
    if (!PyArg_ParseTuple(spec, "iOOIK;a table is (n, keys, columns, shift, mask)", &table->n, &keys, &columns,
                          &shift, &mask))
        return -1;
    if (table->n < 2 || table->n > MAX_ORDER || shift < 1 || shift > 63) {
        PyErr_SetString(PyExc_ValueError, "a table's n must be 2-8 and its shift 1-63");
        return -1;
    }
    if (!(table->keys = copy_buffer(keys, "keys", 'i', 1, &size)))
        return -1;
    if (!(table->columns = copy_buffer(columns, "columns", 'i', 1, &column_count)))
        return -1;
    if (size != column_count || (uint64_t)size != mask + 1 || ((uint64_t)1 << (64 - shift)) != (uint64_t)size) {
        PyErr_SetString(PyExc_ValueError, "a table's sizes do not match its mask and shift");
        return -1;
    }
    if (!columns_in_range(table->columns, size, width, "table"))
        return -1;
    for (Py_ssize_t i = 0; i < size; i++) {
        if ((table->keys[i] == -1) != (table->columns[i] == -1)) {
            PyErr_SetString(PyExc_ValueError, "a table's free slots differ between keys and columns");
            return -1;
        }
        if (table->keys[i] == -1) { /* a probe always ends: at a match or at a free slot */
            table->shift = shift;
            table->mask = mask;
            return 0;
        }
    }
    PyErr_SetString(PyExc_ValueError, "a table has no free slot");
    return -1;
}

/* Block(ids, unigram_columns, tables, base, rows, idf, sublinear, min_n)
 * ids: a dict of run of letters -> token id (0: dropped); a missing run is looked up as
 * `ids[run]`, so a dict subclass with __missing__ (training.text.Memo) fills itself.
 * tables: (n, keys, columns, shift, mask) of each fastpath._KeyTable (multiplicative
 * hashing, linear probing). */
static int
Block_init(Block *self, PyObject *args, PyObject *kwargs)
{
    PyObject *ids, *unigram, *tables, *rows, *idf;
    long long base;
    int sublinear, min_n;
    Py_ssize_t shape[2];
    static char *names[] = {"ids", "unigram_columns", "tables", "base", "rows", "idf", "sublinear", "min_n", NULL};
    if (self->ready || self->ids) {
        PyErr_SetString(PyExc_RuntimeError, "a Block is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!OOLOOpi", names, &PyDict_Type, &ids, &unigram, &tables, &base,
                                     &rows, &idf, &sublinear, &min_n))
        return -1;
    Py_INCREF(ids);
    self->ids = ids;
    if (base < 2 || min_n < 1) {
        PyErr_SetString(PyExc_ValueError, "base must be >= 2 and min_n >= 1");
        return -1;
    }
    self->base = base;
    self->sublinear = sublinear;
    self->min_n = min_n;
    if (!(self->idf = copy_buffer(idf, "idf", 'f', 1, shape)))
        return -1;
    self->width = shape[0];
    if (!(self->rows = copy_buffer(rows, "rows", 'f', 2, shape)))
        return -1;
    if (shape[0] != self->width || shape[1] != HEADS) {
        PyErr_SetString(PyExc_ValueError, "rows must be (len(idf), 6)");
        return -1;
    }
    if (!(self->unigram = copy_buffer(unigram, "unigram_columns", 'i', 1, shape)))
        return -1;
    if (shape[0] != base) {
        PyErr_SetString(PyExc_ValueError, "unigram_columns must have `base` entries");
        return -1;
    }
    if (!columns_in_range(self->unigram, base, self->width, "unigram_columns"))
        return -1;
    PyObject *seq = PySequence_Fast(tables, "tables must be a sequence");
    if (!seq)
        return -1;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    int max_n = 1;
    if (count > MAX_ORDER) {
        PyErr_SetString(PyExc_ValueError, "too many n-gram tables");
        goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        self->tables_used = (int)i + 1; /* freed by dealloc whatever happens next */
        if (load_table(&self->tables[i], PySequence_Fast_GET_ITEM(seq, i), self->width) < 0)
            goto fail;
        if (self->tables[i].n > max_n)
            max_n = self->tables[i].n;
    }
    Py_DECREF(seq);
    if (pow((double)base, max_n) >= 4611686018427387904.0) { /* keys are built in int64 */
        PyErr_SetString(PyExc_ValueError, "n-gram keys would overflow 64 bits");
        return -1;
    }
    self->ready = 1;
    return 0;
fail:
    Py_DECREF(seq);
    return -1;
}

static inline int64_t
find(const Table *table, int64_t key)
{
    uint64_t slot = ((uint64_t)key * MULTIPLIER) >> table->shift;
    for (;;) {
        int64_t stored = table->keys[slot];
        if (stored == key)
            return table->columns[slot];
        if (stored == -1)
            return -1;
        slot = (slot + 1) & table->mask;
    }
}

static int
compare_columns(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The token id of every kept run, in order; returns how many, -1 on error. */
static Py_ssize_t
token_ids(Block *self, PyObject *runs, int64_t *token)
{
    Py_ssize_t kept = 0, length = PyTuple_GET_SIZE(runs);
    for (Py_ssize_t i = 0; i < length; i++) {
        PyObject *run = PyTuple_GET_ITEM(runs, i);
        PyObject *value = PyDict_GetItemWithError(self->ids, run); /* borrowed, used at once */
        long long id;
        if (value) {
            id = PyLong_AsLongLong(value);
        } else {
            if (PyErr_Occurred())
                return -1;
            if (!(value = PyObject_GetItem(self->ids, run))) /* computed by __missing__ */
                return -1;
            id = PyLong_AsLongLong(value);
            Py_DECREF(value);
        }
        if (id == -1 && PyErr_Occurred())
            return -1;
        if (id == 0)
            continue; /* dropped: a stop word, a lone apostrophe */
        if (id < 1 || id >= self->base) {
            PyErr_SetString(PyExc_ValueError, "a token id is out of range");
            return -1;
        }
        token[kept++] = id;
    }
    return kept;
}

/* The column of every known n-gram of the tokens, unsorted; returns how many. */
static Py_ssize_t
known_columns(const Block *self, const int64_t *token, Py_ssize_t length, int64_t *found)
{
    Py_ssize_t count = 0;
    if (self->min_n == 1) {
        for (Py_ssize_t i = 0; i < length; i++) {
            int64_t column = self->unigram[token[i]];
            if (column >= 0)
                found[count++] = column;
        }
    }
    for (int t = 0; t < self->tables_used; t++) {
        const Table *table = &self->tables[t];
        for (Py_ssize_t i = 0; i + table->n <= length; i++) {
            int64_t key = 0;
            for (int k = 0; k < table->n; k++)
                key = key * self->base + token[i + k];
            int64_t column = find(table, key);
            if (column >= 0)
                found[count++] = column;
        }
    }
    return count;
}

/* part(runs) -> the six head scores of one text in this block (TF-IDF, L2-normalised, times the
 * coefficients), or None when no n-gram of the text is known.
 * runs: the text's runs of letters (training.text.word_runs), in order. */
static PyObject *
Block_part(Block *self, PyObject *runs)
{
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "the Block is not initialised");
        return NULL;
    }
    /* a tuple of our own: __missing__ runs Python code, which must not change it under us */
    PyObject *items = PySequence_Tuple(runs);
    if (!items)
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t length = PyTuple_GET_SIZE(items), capacity = length * (1 + self->tables_used);
    int64_t stack_tokens[STACK_TOKENS], stack_found[STACK_TOKENS * (1 + MAX_ORDER)];
    int64_t *token = stack_tokens, *found = stack_found;
    if (length > STACK_TOKENS) {
        token = PyMem_Malloc(sizeof(int64_t) * (size_t)length);
        found = PyMem_Malloc(sizeof(int64_t) * (size_t)capacity);
        if (!token || !found) {
            PyErr_NoMemory();
            goto done;
        }
    }
    Py_ssize_t tokens = token_ids(self, items, token);
    if (tokens < 0)
        goto done;
    Py_ssize_t count = known_columns(self, token, tokens, found);
    if (count == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    qsort(found, (size_t)count, sizeof(int64_t), compare_columns);
    /* per distinct column, ascending: value = tf * idf; sums of value^2 and of rows * value */
    double squares = 0.0, parts[HEADS] = {0.0};
    for (Py_ssize_t start = 0; start < count;) {
        Py_ssize_t end = start + 1;
        while (end < count && found[end] == found[start])
            end++;
        double tf = self->sublinear ? log((double)(end - start)) + 1.0 : (double)(end - start);
        double value = tf * self->idf[found[start]];
        const double *row = self->rows + found[start] * HEADS;
        squares += value * value;
        for (int h = 0; h < HEADS; h++)
            parts[h] += row[h] * value;
        start = end;
    }
    double norm = sqrt(squares);
    if (norm == 0.0) { /* every known n-gram has idf 0: no information, as an empty text */
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = Py_BuildValue("(dddddd)", parts[0] / norm, parts[1] / norm, parts[2] / norm, parts[3] / norm,
                           parts[4] / norm, parts[5] / norm);
done:
    if (token != stack_tokens) {
        PyMem_Free(token);
        PyMem_Free(found);
    }
    Py_DECREF(items);
    return result;
}

static PyMethodDef Block_methods[] = {
    {"part", (PyCFunction)Block_part, METH_O,
     "part(runs) -> the six head scores of one text's n-grams in this block, L2-normalised; None if none is known"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject BlockType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "training._native.Block",
    .tp_basicsize = sizeof(Block),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One TF-IDF block's token ids, n-gram tables, rows and idf, for scoring one text at a time.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Block_init,
    .tp_dealloc = (destructor)Block_dealloc,
    .tp_methods = Block_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_native",
    .m_doc = "Optional native scoring for training.fastpath.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    if (PyType_Ready(&BlockType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&BlockType);
    if (PyModule_AddObject(m, "Block", (PyObject *)&BlockType) < 0) {
        Py_DECREF(&BlockType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
