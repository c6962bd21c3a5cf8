"""The public test files of the course's assignments (data for otter and `llmrec-course grade`)."""
