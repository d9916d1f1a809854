/*
 * The single-key read path of rdrive.Store, compiled: store[key],
 * store.get(key) and `key in store` for str and bytes keys.
 *
 * Optional: the package works without it (the same methods, in Python over
 * cffi, in _store.py). It uses only the limited C API of Python 3.9, so one
 * build serves every later version, and it does not link against
 * librdrive: _store.py hands it the addresses of the two library functions
 * it calls, taken from the library cffi loaded.
 *
 * Two types:
 * - Reader holds the C store pointer and counts the calls in flight. The
 *   Python _Handle owns it; close() detaches it (no new call sees the
 *   pointer) and waits until the count is zero. The pointer is read and the
 *   count changed only with the GIL held, so either a call sees no pointer
 *   or close() sees the call.
 * - StoreBase is the base class of rdrive.Store: its mapping slot, `get`
 *   and its contains slot read through the Reader bound to it.
 *
 * Every library call runs with the GIL released. Any other key type, and
 * every status but OK, NOT_FOUND and BUFFER_TOO_SMALL, goes back to Python
 * (the pure methods; _errors.check, which raises the matching exception
 * with the library's detail text).
 */

#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x03090000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The library's own header (include/rdrive.h, generated from the Rust
 * source): the two calls below have its signatures, checked by the
 * compiler. Declaring them links nothing; they are called through the
 * addresses setup() is given. */
#include "rdrive.h"

typedef __typeof__(&rdrive_store_read_into) read_into_fn;
typedef __typeof__(&rdrive_store_exists) exists_fn;

/* Values up to this size are read into the stack, then copied into bytes;
 * larger ones are read straight into a bytes object of their size. */
#define SCRATCH 4096

/* Set once by setup(). */
static read_into_fn read_into;
static exists_fn exists;
static rdrive_status status_ok, status_not_found, status_too_small;
static PyObject *check;         /* _errors.check(status): raises */
static PyObject *pure_getitem;  /* _PureReads.__getitem__ and friends, */
static PyObject *pure_get;      /* for keys that are neither bytes nor str */
static PyObject *pure_contains;

static PyTypeObject *reader_type;

/* --- Reader --------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    const struct rdrive_store *store; /* NULL once detached */
    Py_ssize_t busy;   /* calls in flight; changed with the GIL held */
} Reader;

static PyObject *reader_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"address", NULL};
    PyObject *address;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Reader", names, &address)) {
        return NULL;
    }
    void *store = PyLong_AsVoidPtr(address);
    if (store == NULL && PyErr_Occurred()) {
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    Reader *self = (Reader *)alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->store = store;
    self->busy = 0;
    return (PyObject *)self;
}

static void reader_dealloc(PyObject *self) {
    PyTypeObject *type = Py_TYPE(self);
    freefunc free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    free(self);
    Py_DECREF(type);
}

static PyObject *reader_detach(PyObject *self, PyObject *unused) {
    (void)unused;
    ((Reader *)self)->store = NULL;
    Py_RETURN_NONE;
}

static PyObject *reader_busy(PyObject *self, void *closure) {
    (void)closure;
    return PyLong_FromSsize_t(((Reader *)self)->busy);
}

static PyMethodDef reader_methods[] = {
    {"detach", reader_detach, METH_NOARGS,
     "Stop new calls from using the store pointer (close() then waits for busy == 0)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef reader_getset[] = {
    {"busy", reader_busy, NULL, "Calls in flight.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot reader_slots[] = {
    {Py_tp_doc, "Reader(address): the C store pointer and the calls in flight on it."},
    {Py_tp_new, reader_new},
    {Py_tp_dealloc, reader_dealloc},
    {Py_tp_methods, reader_methods},
    {Py_tp_getset, reader_getset},
    {0, NULL},
};

static PyType_Spec reader_spec = {
    "rdrive._fast.Reader", sizeof(Reader), 0, Py_TPFLAGS_DEFAULT, reader_slots,
};

/* --- reads ------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    Reader *reader; /* NULL until _bind() */
} StoreBase;

/* A key as bytes: 1 with *data and *len set (and *owned a reference to drop,
 * or NULL); 0 when it is neither bytes nor str (the pure path takes it);
 * -1 on error. The same rules as _store._key(): bytes as they are, str (and
 * its subclasses) as UTF-8. */
static int key_bytes(PyObject *key, PyObject **owned, char **data, Py_ssize_t *len) {
    *owned = NULL;
    if (PyBytes_CheckExact(key)) {
        return PyBytes_AsStringAndSize(key, data, len) < 0 ? -1 : 1;
    }
    if (PyUnicode_Check(key)) {
        PyObject *encoded = PyUnicode_AsUTF8String(key);
        if (encoded == NULL) {
            return -1;
        }
        if (PyBytes_AsStringAndSize(encoded, data, len) < 0) {
            Py_DECREF(encoded);
            return -1;
        }
        *owned = encoded;
        return 1;
    }
    return 0;
}

/* The reader of a store with its count of calls raised, or NULL with
 * ValueError when the store is closed. Release it with leave(). */
static Reader *enter(StoreBase *self) {
    Reader *reader = self->reader;
    if (reader == NULL || reader->store == NULL) {
        PyErr_SetString(PyExc_ValueError, "the store is closed");
        return NULL;
    }
    Py_INCREF(reader); /* kept alive while the GIL is released */
    reader->busy++;
    return reader;
}

static void leave(Reader *reader) {
    reader->busy--;
    Py_DECREF(reader);
}

/* Raise the exception for a failed status (the library's detail text is
 * read by _errors.check on this thread, before any other library call). */
static void raise_status(rdrive_status status) {
    PyObject *result = PyObject_CallFunction(check, "i", (int)status);
    if (result != NULL) {
        Py_DECREF(result);
        PyErr_Format(PyExc_SystemError, "rdrive: unexpected status %d", (int)status);
    }
}

/* The value of a key, copied: 1 with *out set, 0 if absent, -1 on error. */
static int read_value(StoreBase *self, const char *key, Py_ssize_t key_len, PyObject **out) {
    uint8_t scratch[SCRATCH];
    size_t len = 0;
    rdrive_status status;
    Reader *reader = enter(self);
    if (reader == NULL) {
        return -1;
    }
    const struct rdrive_store *store = reader->store;
    const uint8_t *k = (const uint8_t *)key;
    Py_BEGIN_ALLOW_THREADS
    status = read_into(store, k, (size_t)key_len, scratch, SCRATCH, &len);
    Py_END_ALLOW_THREADS
    if (status == status_ok) {
        leave(reader);
        *out = PyBytes_FromStringAndSize((const char *)scratch, (Py_ssize_t)len);
        return *out == NULL ? -1 : 1;
    }
    /* A large value: straight into a bytes object of its size. Once more if
     * a writer grew it in between. */
    while (status == status_too_small) {
        if (len > (size_t)PY_SSIZE_T_MAX) {
            leave(reader);
            PyErr_NoMemory();
            return -1;
        }
        PyObject *value = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)len);
        if (value == NULL) {
            leave(reader);
            return -1;
        }
        uint8_t *dest = (uint8_t *)PyBytes_AsString(value);
        size_t cap = len;
        Py_BEGIN_ALLOW_THREADS
        status = read_into(store, k, (size_t)key_len, dest, cap, &len);
        Py_END_ALLOW_THREADS
        if (status == status_ok) {
            leave(reader);
            if (len == cap) {
                *out = value;
                return 1;
            }
            /* It shrank in between: the bytes read, at their length. */
            *out = PyBytes_FromStringAndSize((const char *)dest, (Py_ssize_t)len);
            Py_DECREF(value);
            return *out == NULL ? -1 : 1;
        }
        Py_DECREF(value);
    }
    leave(reader);
    if (status == status_not_found) {
        return 0;
    }
    raise_status(status);
    return -1;
}

static PyObject *store_getitem(PyObject *self, PyObject *key) {
    PyObject *owned, *value;
    char *data;
    Py_ssize_t len;
    int kind = key_bytes(key, &owned, &data, &len);
    if (kind == 0) {
        return PyObject_CallFunctionObjArgs(pure_getitem, self, key, NULL);
    }
    if (kind < 0) {
        return NULL;
    }
    int found = read_value((StoreBase *)self, data, len, &value);
    Py_XDECREF(owned);
    if (found > 0) {
        return value;
    }
    if (found == 0) {
        PyErr_SetObject(PyExc_KeyError, key);
    }
    return NULL;
}

static PyObject *store_get(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"key", "default", NULL};
    PyObject *key, *fallback = Py_None, *owned, *value;
    char *data;
    Py_ssize_t len;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:get", names, &key, &fallback)) {
        return NULL;
    }
    int kind = key_bytes(key, &owned, &data, &len);
    if (kind == 0) {
        return PyObject_CallFunctionObjArgs(pure_get, self, key, fallback, NULL);
    }
    if (kind < 0) {
        return NULL;
    }
    int found = read_value((StoreBase *)self, data, len, &value);
    Py_XDECREF(owned);
    if (found > 0) {
        return value;
    }
    if (found == 0) {
        Py_INCREF(fallback);
        return fallback;
    }
    return NULL;
}

static int store_contains(PyObject *self, PyObject *key) {
    PyObject *owned;
    char *data;
    Py_ssize_t len;
    int kind = key_bytes(key, &owned, &data, &len);
    if (kind == 0) {
        PyObject *result = PyObject_CallFunctionObjArgs(pure_contains, self, key, NULL);
        if (result == NULL) {
            return -1;
        }
        int truth = PyObject_IsTrue(result);
        Py_DECREF(result);
        return truth;
    }
    if (kind < 0) {
        return -1;
    }
    Reader *reader = enter((StoreBase *)self);
    if (reader == NULL) {
        Py_XDECREF(owned);
        return -1;
    }
    const struct rdrive_store *store = reader->store;
    bool found = false;
    rdrive_status status;
    Py_BEGIN_ALLOW_THREADS
    status = exists(store, (const uint8_t *)data, (size_t)len, &found);
    Py_END_ALLOW_THREADS
    leave(reader);
    Py_XDECREF(owned);
    if (status < 0) {
        raise_status(status);
        return -1;
    }
    return found ? 1 : 0;
}

static PyObject *store_bind(PyObject *self, PyObject *reader) {
    if (!PyObject_TypeCheck(reader, reader_type)) {
        PyErr_SetString(PyExc_TypeError, "_bind() takes a Reader");
        return NULL;
    }
    StoreBase *store = (StoreBase *)self;
    Reader *old = store->reader;
    Py_INCREF(reader);
    store->reader = (Reader *)reader;
    Py_XDECREF(old);
    Py_RETURN_NONE;
}

static void store_dealloc(PyObject *self) {
    PyTypeObject *type = Py_TYPE(self);
    StoreBase *store = (StoreBase *)self;
    Reader *reader = store->reader;
    store->reader = NULL;
    Py_XDECREF(reader);
    freefunc free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    free(self);
    Py_DECREF(type);
}

static PyMethodDef store_methods[] = {
    {"get", (PyCFunction)(void (*)(void))store_get, METH_VARARGS | METH_KEYWORDS,
     "get(key, default=None)\n--\n\nA copy of the value, or ``default`` if absent."},
    {"_bind", store_bind, METH_O, "Read through this Reader from now on."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot store_slots[] = {
    {Py_tp_doc, "Base class of rdrive.Store: its single-key reads, compiled."},
    {Py_tp_dealloc, store_dealloc},
    {Py_tp_methods, store_methods},
    {Py_mp_subscript, store_getitem},
    {Py_sq_contains, store_contains},
    {0, NULL},
};

static PyType_Spec store_spec = {
    "rdrive._fast.StoreBase", sizeof(StoreBase), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    store_slots,
};

/* --- the module ------------------------------------------------------------- */

/* *slot = value, with a reference kept (Py_XSETREF is not in the limited API before 3.12). */
static void keep(PyObject **slot, PyObject *value) {
    PyObject *old = *slot;
    Py_INCREF(value);
    *slot = value;
    Py_XDECREF(old);
}

static PyObject *setup(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *read_into_address, *exists_address, *check_, *getitem, *get, *contains;
    int ok, not_found, too_small;
    if (!PyArg_ParseTuple(args, "OOiiiOOOO:setup", &read_into_address, &exists_address, &ok,
                          &not_found, &too_small, &check_, &getitem, &get, &contains)) {
        return NULL;
    }
    void *r = PyLong_AsVoidPtr(read_into_address);
    if (r == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "setup(): a NULL function");
        }
        return NULL;
    }
    void *e = PyLong_AsVoidPtr(exists_address);
    if (e == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "setup(): a NULL function");
        }
        return NULL;
    }
    /* An object pointer to a function pointer: what dlsym() gives, too. */
    read_into = (read_into_fn)(uintptr_t)r;
    exists = (exists_fn)(uintptr_t)e;
    status_ok = ok;
    status_not_found = not_found;
    status_too_small = too_small;
    keep(&check, check_);
    keep(&pure_getitem, getitem);
    keep(&pure_get, get);
    keep(&pure_contains, contains);
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"setup", setup, METH_VARARGS,
     "setup(read_into, exists, ok, not_found, buffer_too_small, check, getitem, get, contains)\n"
     "--\n\n"
     "The addresses of rdrive_store_read_into and rdrive_store_exists, three\n"
     "status values, the function that raises for a failed status, and the\n"
     "pure methods that take the other key types. Call once, before any read."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "rdrive._fast",
    "The single-key read path of rdrive.Store, compiled (optional).", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

static int add_type(PyObject *module, const char *name, PyType_Spec *spec, PyTypeObject **out) {
    PyObject *type = PyType_FromSpec(spec);
    if (type == NULL) {
        return -1;
    }
    Py_INCREF(type);
    if (PyModule_AddObject(module, name, type) < 0) {
        Py_DECREF(type);
        Py_DECREF(type);
        return -1;
    }
    if (out != NULL) {
        *out = (PyTypeObject *)type; /* the module's reference plus ours */
    } else {
        Py_DECREF(type);
    }
    return 0;
}

PyMODINIT_FUNC PyInit__fast(void) {
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    if (add_type(module, "Reader", &reader_spec, &reader_type) < 0 ||
        add_type(module, "StoreBase", &store_spec, NULL) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
