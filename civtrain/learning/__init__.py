"""Online learning (#12): courses, the annual plan, courseware, earned time, completion."""
