"""Exceptions: one class per clconv_status, so callers can catch what they
can handle (an Unsupported algorithm: try another) and let the rest go.

InvalidArgument is also a ValueError and OutOfMemory also a MemoryError, so
code written against numpy/torch conventions catches them without knowing
clconv.
"""

SUCCESS = 0
INVALID_ARGUMENT = 1
UNSUPPORTED = 2
INVALID_STATE = 3
OUT_OF_MEMORY = 4
OPENCL_ERROR = 5
BUILD_ERROR = 6
DEVICE_NOT_FOUND = 7


class Error(Exception):
    """A clconv failure: .status is the clconv_status value, .message the
    library's clconv_last_error() text (or the binding's own, for argument
    errors found before calling the library)."""

    status = None

    def __init__(self, status, message):
        super().__init__(message)
        self.status = int(status)
        self.message = message

    def __str__(self):
        return self.message

    def __reduce__(self):  # picklable despite the two-argument __init__
        return (self.__class__, (self.status, self.message))


class InvalidArgument(Error, ValueError):
    """A descriptor field, array or option is invalid; the message names it."""


class Unsupported(Error):
    """Valid, but the requested algorithm cannot do it (the message says why)."""


class InvalidState(Error):
    """Called in the wrong order, e.g. a Plan run before set_weights, or a
    closed Context/Plan used."""


class OutOfMemory(Error, MemoryError):
    """A host or device allocation failed."""


class OpenCLError(Error):
    """An OpenCL call failed; the message names it and its error code."""


class BuildError(Error):
    """A kernel failed to compile; the message has the head of the log."""


class DeviceNotFound(Error):
    """No OpenCL device, or none matches the request."""


_BY_STATUS = {
    INVALID_ARGUMENT: InvalidArgument,
    UNSUPPORTED: Unsupported,
    INVALID_STATE: InvalidState,
    OUT_OF_MEMORY: OutOfMemory,
    OPENCL_ERROR: OpenCLError,
    BUILD_ERROR: BuildError,
    DEVICE_NOT_FOUND: DeviceNotFound,
}


def error_for(status, message):
    """The exception object for a non-zero status (Error for unknown ones,
    which a newer library could return)."""
    return _BY_STATUS.get(int(status), Error)(status, message)


def invalid(argument, rule):
    """An InvalidArgument raised by the binding itself, naming the argument
    the way the library names descriptor fields."""
    return InvalidArgument(INVALID_ARGUMENT, "%s: %s" % (argument, rule))
