import { useRef } from 'react';

interface FolderPickerButtonProps {
  label: string;
  /** Test id of the hidden file input, which e2e tests fill with `setInputFiles`. */
  inputTestId: string;
  buttonTestId?: string;
  disabled?: boolean;
  onFiles(files: File[]): void;
}

/**
 * Renders a button that opens the browser's folder chooser and passes every file below the chosen
 * folder to `onFiles`. The input is cleared after each choice, so choosing the same folder again
 * fires again.
 */
export function FolderPickerButton({ label, inputTestId, buttonTestId, disabled, onFiles }: FolderPickerButtonProps) {
  const inputRef = useRef<HTMLInputElement>(null);

  return (
    <>
      <button type="button" onClick={() => inputRef.current?.click()} disabled={disabled} data-testid={buttonTestId}>
        {label}
      </button>
      <input
        ref={inputRef}
        type="file"
        hidden
        multiple
        data-testid={inputTestId}
        // webkitdirectory is not in React's typings, so it is set as a plain attribute.
        {...{ webkitdirectory: '', directory: '' }}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </>
  );
}
